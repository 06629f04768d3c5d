// What routing reads of one title's holders, and a bounded in-memory cache
// of it (Directory::TitleHoldersOf).
//
// Routing a request reads every holder of its title. Straight from RocksDB
// that is a scan of the title's holdings, a protobuf parse per copy and a
// view lookup per library: about 1 ms for a title held by 1,000 libraries.
// Here one title is a flat vector, one entry per holding library with its
// best copy, pointing at the library's cached view, so a decision walks
// memory only.
//
// Staleness:
//   - holdings: the directory drops a title when a PutHoldings writes or
//     removes one of its copies. When a catalogue import switches
//     libraries' holdings generations it drops every title the upload
//     named and every title one of those libraries held, and keeps the
//     rest (an import can touch any number of titles, and a network's
//     libraries import often; emptying the cache each time would make
//     every routing after it read holdings from the store);
//   - libraries and partnerships: an entry keeps the library's view, and
//     the directory marks a view superseded when it drops it, so routing
//     looks that library up again (LibraryView::superseded);
//   - races: every drop moves the cache's generation; an entry built from
//     reads that began before a drop is not kept (Insert's `gen`;
//     engine/guarded_cache.h).
// Memory: at most `max_holders` entries in all (about 32 bytes each plus
// the title key); when an insert would pass it, a quarter of the titles go
// (in hash order, so effectively at random).
//
// Thread-safe.
#ifndef SILANG_ENGINE_TITLE_HOLDERS_H_
#define SILANG_ENGINE_TITLE_HOLDERS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/guarded_cache.h"
#include "engine/library_view.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

// The better copy to lend: on the shelf, then unknown, then on loan; not
// for loan and withdrawn cannot be lent.
storage::v1::Availability BetterCopy(storage::v1::Availability a,
                                     storage::v1::Availability b);

struct TitleHolder {
  std::shared_ptr<const LibraryView> library;
  storage::v1::Availability best = storage::v1::AVAILABILITY_UNSPECIFIED;
  int copies = 0;
  // library->number, kept here so routing can sort out the holders that
  // share no partnership with the borrower without reading their views.
  uint32_t number = 0;
};

// In library id order.
using TitleHolders = std::vector<TitleHolder>;

class TitleHoldersCache {
 public:
  static constexpr size_t kDefaultMaxHolders = 2'000'000;
  explicit TitleHoldersCache(size_t max_holders = kDefaultMaxHolders)
      : cache_(max_holders,
               [](const TitleHolders& h) { return h.size() + 1; }) {}

  // nullptr on a miss.
  std::shared_ptr<const TitleHolders> Find(absl::string_view title) const {
    return cache_.Find(title);
  }
  // Read before building an entry; pass to Insert.
  uint64_t generation() const { return cache_.Ticket(); }
  // Keeps `holders` for `title` unless a drop happened since `gen`.
  void Insert(absl::string_view title,
              std::shared_ptr<const TitleHolders> holders, uint64_t gen) {
    cache_.Insert(title, std::move(holders), gen);
  }
  void Drop(const std::vector<std::string>& titles) { cache_.Drop(titles); }
  // Drops the titles for which drop(title, holders) is true.
  void DropIf(const std::function<bool(absl::string_view title,
                                       const TitleHolders& holders)>& drop) {
    cache_.DropIf(drop);
  }
  // Forgets everything (and moves the generation).
  void Clear() { cache_.Clear(); }
  // Moves the generation only: a library view changed.
  void Touch() { cache_.Touch(); }

  size_t titles() const { return cache_.size(); }
  // Holder entries, an empty title counting as one.
  size_t holders() const { return cache_.weight(); }

 private:
  GuardedCache<TitleHolders> cache_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_TITLE_HOLDERS_H_
