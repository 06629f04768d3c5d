// LibraryStatsCache: the part of each library's all-time counters
// (engine/counters.h) that routing reads for every holder, kept in memory
// and looked up by the library's process-wide number (LibraryNumber,
// engine/library_view.h), so a decision over 1,000 holders hashes no
// strings and takes one lock.
//
// Write-through: a committing transition announces its libraries' deltas
// before its write (Begin) and adds them to the cached values after it
// (End), so an entry, once loaded, stays valid and is never read from
// RocksDB again. A value loaded from the store is kept only if no commit
// touching that library began or ended while it was read: the load then
// cannot have missed a delta or be about to receive one twice. So a cached
// value always equals the stored counters, up to commits in progress (not
// yet acknowledged to anyone).
//
// Thread-safe.
#ifndef SILANG_ENGINE_STATS_CACHE_H_
#define SILANG_ENGINE_STATS_CACHE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

// The counters routing reads (engine/routing.h, Holder).
struct LibraryStats {
  int64_t loans_out = 0;
  int64_t open_queue = 0;
  int64_t lent_total = 0;
  int64_t borrowed_total = 0;
  int64_t requests_received = 0;
  int64_t filled = 0;
  int64_t first_answer_us_sum = 0;
  int64_t first_answer_count = 0;

  void Add(const storage::v1::CounterRecord& delta);
};

class LibraryStatsCache {
 public:
  explicit LibraryStatsCache(const Store& store) : store_(store) {}

  struct Key {
    uint32_t number = 0;  // LibraryNumber(id)
    absl::string_view id;
  };
  // out[i] := the stats of keys[i]; one lock for every cached one.
  absl::Status Lookup(const std::vector<Key>& keys,
                      std::vector<LibraryStats>& out) const;

  // One library's all-time delta in a transition about to commit.
  struct Delta {
    uint32_t number = 0;
    const storage::v1::CounterRecord* delta = nullptr;  // borrowed
  };
  // REQUIRES: End(deltas, ...) follows, after the write, with the same list.
  void Begin(const std::vector<Delta>& deltas);
  // written: the batch holding the deltas is durable. If not, the entries
  // are dropped (the store's state is not known here).
  void End(const std::vector<Delta>& deltas, bool written);

 private:
  struct Slot {
    uint64_t changes = 0;   // commits ended on this library
    uint32_t in_flight = 0;  // commits begun and not ended
    bool valid = false;
    LibraryStats stats;
  };
  Slot& SlotFor(uint32_t number) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Store& store_;
  mutable absl::Mutex mu_;
  // Indexed by library number; grows as numbers appear.
  mutable std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace silang

#endif  // SILANG_ENGINE_STATS_CACHE_H_
