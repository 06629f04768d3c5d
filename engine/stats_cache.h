// LibraryStatsCache: each library's all-time counters (engine/counters.h)
// as routing reads them for every holder, kept in memory. A committed
// transition drops the entries of the libraries it touched; a value read
// while its own entry was being dropped is not kept, so a cached value is
// never older than the last commit that touched its library.
// Thread-safe.
#ifndef SILANG_ENGINE_STATS_CACHE_H_
#define SILANG_ENGINE_STATS_CACHE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

class LibraryStatsCache {
 public:
  explicit LibraryStatsCache(const Store& store) : store_(store) {}

  absl::StatusOr<storage::v1::CounterRecord> Get(
      absl::string_view library_id) const;
  // Calls fn(i, counters of ids[i]) for every i, in no particular order,
  // taking the lock once for all cached ones (routing reads thousands).
  absl::Status ForEach(
      const std::vector<absl::string_view>& ids,
      const std::function<void(size_t, const storage::v1::CounterRecord&)>&
          fn) const;
  // After a commit that changed these libraries' counters.
  void Drop(const std::vector<std::string>& library_ids);

 private:
  struct Entry {
    uint64_t drops = 0;  // how often it was dropped
    bool valid = false;
    storage::v1::CounterRecord stats;
  };
  const Store& store_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, Entry> entries_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace silang

#endif  // SILANG_ENGINE_STATS_CACHE_H_
