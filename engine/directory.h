// Directory: the network's member libraries, the partnerships between them,
// and the union catalogue's holdings, in the Store.
//
// Writes validate their input (InvalidArgument naming the field), check the
// caller's expected version (Aborted if stale) and commit as one batch with
// their index entries. Reads are lock-free; writes are serialized by one
// mutex, since directory changes are rare next to requests.
#ifndef SILANG_ENGINE_DIRECTORY_H_
#define SILANG_ENGINE_DIRECTORY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "engine/guarded_cache.h"
#include "engine/library_view.h"
#include "engine/page.h"
#include "engine/store.h"
#include "engine/title_holders.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

using storage::v1::HoldingRecord;
using storage::v1::HoldingsGenerationRecord;
using storage::v1::LibraryRecord;
using storage::v1::PartnershipRecord;

struct PutHoldingsResult {
  int written = 0;
  int removed = 0;
};

class Directory {
 public:
  // Borrows store and clock; both must outlive the Directory.
  Directory(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Creates (expected_version 0) or replaces a library; returns it with its
  // new version.
  absl::StatusOr<LibraryRecord> PutLibrary(LibraryRecord library,
                                           uint64_t expected_version);
  absl::StatusOr<LibraryRecord> GetLibrary(absl::string_view id) const;
  absl::StatusOr<Page<LibraryRecord>> ListLibraries(
      absl::string_view province, int page_size,
      absl::string_view page_token) const;

  // Every member must already be in the directory.
  absl::StatusOr<PartnershipRecord> PutPartnership(PartnershipRecord p,
                                                   uint64_t expected_version);
  absl::StatusOr<PartnershipRecord> GetPartnership(absl::string_view id) const;
  // library_id empty: every partnership.
  absl::StatusOr<Page<PartnershipRecord>> ListPartnerships(
      absl::string_view library_id, int page_size,
      absl::string_view page_token) const;
  // Every partnership the library is a member of.
  absl::StatusOr<std::vector<PartnershipRecord>> PartnershipsOf(
      absl::string_view library_id) const;

  // Upserts holdings of one library, or with replace_all makes them the
  // library's only holdings; one atomic batch either way.
  absl::StatusOr<PutHoldingsResult> PutHoldings(
      absl::string_view library_id, std::vector<HoldingRecord> holdings,
      bool replace_all);
  absl::StatusOr<Page<HoldingRecord>> ListHoldings(
      absl::string_view title_key, int page_size,
      absl::string_view page_token) const;
  // Every holding of the title, grouped by library in id order. Reads one
  // snapshot, so it never mixes two generations of a library's holdings.
  absl::StatusOr<std::vector<HoldingRecord>> HoldersOf(
      absl::string_view title_key) const;
  // The same holders as routing reads them: one entry per library (whose
  // library is in the directory), with its best copy. Served from memory
  // after the first read (engine/title_holders.h).
  absl::StatusOr<std::shared_ptr<const TitleHolders>> TitleHoldersOf(
      absl::string_view title_key) const;
  const TitleHoldersCache& title_holders_cache() const {
    return title_holders_;
  }
  // Empties that cache (benchmarks measure a decision without it).
  void ForgetCachedHolders() const { title_holders_.Clear(); }

  // --- Bulk replacement of libraries' holdings (engine/catalog). ---
  //
  // Each library's holdings live under a generation number and readers see
  // only its current generation. A replacement too big for one batch
  // writes a new generation beside the live one, then switches:
  //
  //   Begin -> StageHolding into many batches -> Commit  (one synced write:
  //                                           \          current := new)
  //                                            -> Abandon (new is stale)
  //   then DeleteStaleHoldings, for each library, removes the old keys.
  //
  // A crash before Commit leaves the old generation live; the orphaned
  // pending generation turns stale at the library's next Begin.

  // Reserves a new generation for these libraries (each must exist).
  // FailedPrecondition if another replacement of one of them is running.
  absl::StatusOr<uint64_t> BeginHoldingsReplacement(
      const std::vector<std::string>& library_ids);
  // Adds h (validated with ValidateHolding) to batch under generation gen.
  void StageHolding(Batch& batch, uint64_t gen, const HoldingRecord& h) const;
  // The keys StageHolding writes: in holdings and in lib_holdings.
  static std::pair<std::string, std::string> HoldingKeys(
      uint64_t gen, const HoldingRecord& h);
  // Checks one holding of library_id, filling library_id and updated_at if
  // unset; `field` names it in the error.
  absl::Status ValidateHolding(absl::string_view field,
                               absl::string_view library_id,
                               HoldingRecord& h) const;
  // Makes gen current for every library in one synced write.
  // FailedPrecondition if gen is not pending for one of them.
  // named(title_key) says whether the new generation may hold the title
  // (false positives only cost a cached entry): routing's cached holders
  // of those titles, and of every title one of the libraries held, are
  // dropped and the rest kept. Without it the whole cache is emptied.
  using TitleFilter = std::function<bool(absl::string_view title_key)>;
  absl::Status CommitHoldingsReplacement(
      const std::vector<std::string>& library_ids, uint64_t gen,
      const TitleFilter& named = nullptr);
  absl::Status AbandonHoldingsReplacement(
      const std::vector<std::string>& library_ids, uint64_t gen);
  // Deletes the keys of the library's stale generations (only
  // `only_generation` if not 0), in batches; returns how many holdings
  // went. Idempotent; safe beside readers. An abandoned import deletes
  // only its own generation, so that it never races a later import's
  // cleanup for the generation that import replaced (whose summary counts
  // those holdings as removed).
  absl::StatusOr<int64_t> DeleteStaleHoldings(absl::string_view library_id,
                                              uint64_t only_generation = 0);

  const Clock& clock() const { return clock_; }

  // Routing's views of a library (with its partnerships) and of a
  // partnership, cached in memory. NotFound if absent. A library's view is
  // built on first use (or by WarmLibraryViews) and written through by the
  // directory's own writes: PutLibrary caches the new view, PutPartnership
  // rebuilds the cached views of the libraries that joined or left it from
  // their cached records, so a bulk load leaves every view in memory. A
  // partnership's view is built on first use and dropped when it is
  // written. A view replaced either way is marked superseded.
  absl::StatusOr<std::shared_ptr<const LibraryView>> LibraryViewOf(
      absl::string_view id) const;
  absl::StatusOr<std::shared_ptr<const PartnershipView>> PartnershipViewOf(
      absl::string_view id) const;
  // The views of many libraries (a title's holders, in id order), out[i]
  // null where ids[i] is not in the directory. The uncached ones are read
  // together, one MultiGet and one membership iterator for all, rather than
  // a Get and a new iterator each (the first routing of a popular title
  // after start-up reads up to 1,000).
  absl::Status LibraryViewsOf(
      const std::vector<std::string>& ids,
      std::vector<std::shared_ptr<const LibraryView>>& out) const;

  // Caches the view of every library in the directory, so that the first
  // routings after start-up read no library from the store (a title has up
  // to 1,000 holders; 180,000 views take about 0.6 s to build here). Two
  // sequential scans, of libraries and of memberships (both in library id
  // order, merge-joined), in chunks of about 1,000 libraries; each chunk
  // is read on a snapshot taken after a cache ticket, so a chunk that raced
  // a directory write is read again (and after a few tries left to be
  // built on first use). Checks `stop` between chunks and returns early
  // once it is set. Takes no write lock: safe beside reads and writes.
  // Calls on_chunk, if set, with each chunk's views once cached (silangd
  // warms the libraries' routing counters with them); its error stops the
  // warming. Returns how many views it cached.
  using ViewChunkFn = std::function<absl::Status(
      const std::vector<std::shared_ptr<const LibraryView>>&)>;
  absl::StatusOr<int64_t> WarmLibraryViews(
      const std::atomic<bool>& stop,
      const ViewChunkFn& on_chunk = nullptr) const;
  // The library-view cache, for tests and metrics.
  const GuardedCache<LibraryView>& library_view_cache() const {
    return library_views_;
  }

  // Checks an id of a library or partnership: 1-64 of [A-Za-z0-9._-].
  static absl::Status ValidateId(absl::string_view field, absl::string_view id);

 private:
  absl::Status ValidateLibrary(const LibraryRecord& library) const;
  absl::Status ValidatePartnership(const PartnershipRecord& p) const;
  // Calls fn(key, partnership id) for each partnership the library is a
  // member of (the member_of family), keys from `start`, until fn
  // returns false.
  absl::Status ScanMemberships(
      absl::string_view library_id, absl::string_view start,
      const std::function<bool(absl::string_view, absl::string_view)>& fn)
      const;
  absl::StatusOr<HoldingsGenerationRecord> ReadGeneration(
      const rocksdb::ReadOptions& ro, absl::string_view library_id) const;
  absl::Status EndHoldingsReplacement(
      const std::vector<std::string>& library_ids, uint64_t gen, bool commit);
  // Calls fn(key, library id, value) for each holding of the title in its
  // library's current generation, keys after `start`, until fn returns
  // false. The value is an unparsed HoldingRecord.
  absl::Status ScanLiveHoldings(
      absl::string_view title_key, absl::string_view start,
      const std::function<bool(absl::string_view, absl::string_view,
                               absl::string_view)>& fn) const;
  // ScanLiveHoldings, each value parsed.
  absl::Status ScanLiveHoldingRecords(
      absl::string_view title_key, absl::string_view start,
      const std::function<bool(absl::string_view, HoldingRecord)>& fn) const;

  // Each library's current holdings generation, remembered from a RocksDB
  // sequence number on: a scan whose snapshot is at least that new may use
  // it instead of reading it (one read per holder in routing otherwise).
  // Only a committed replacement moves a generation, and it remembers the
  // new one before any old holdings are deleted.
  struct KnownGeneration {
    uint64_t current = 0;
    uint64_t from_seq = 0;
  };
  void RememberGeneration(absl::string_view library_id, uint64_t current,
                          uint64_t from_seq) const;
  // Reads the views of up to `limit` libraries from the library key `from`
  // on, on one snapshot, into ids and views; sets *next to the key of the
  // library after them, or empty at the end.
  absl::Status ReadLibraryViews(
      absl::string_view from, size_t limit, std::vector<std::string>& ids,
      std::vector<std::shared_ptr<const LibraryView>>& views,
      std::string* next) const;

  Store& store_;
  const Clock& clock_;
  absl::Mutex write_mu_;
  // The view caches (a view built from a read that raced with a write is
  // not kept; writes, serialized by write_mu_, write views through:
  // engine/guarded_cache.h).
  mutable GuardedCache<LibraryView> library_views_;
  mutable GuardedCache<PartnershipView> partnership_views_;
  mutable absl::Mutex gen_mu_;
  mutable absl::flat_hash_map<std::string, KnownGeneration> generations_
      ABSL_GUARDED_BY(gen_mu_);
  mutable TitleHoldersCache title_holders_;
  // Generations being written by a replacement in this process.
  std::set<uint64_t> live_generations_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace silang

#endif  // SILANG_ENGINE_DIRECTORY_H_
