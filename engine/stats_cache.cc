#include "engine/stats_cache.h"

#include "engine/counters.h"
#include "engine/status_macros.h"

namespace silang {

absl::StatusOr<storage::v1::CounterRecord> LibraryStatsCache::Get(
    absl::string_view library_id) const {
  uint64_t drops = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = entries_.find(library_id);
    if (it != entries_.end()) {
      if (it->second.valid) return it->second.stats;
      drops = it->second.drops;
    }
  }
  ASSIGN_OR_RETURN(auto stats, ReadCounters(store_, CounterScope::kLibrary,
                                            library_id, kAllTime));
  absl::MutexLock lock(&mu_);
  Entry& e = entries_[library_id];
  if (e.drops == drops) {
    e.valid = true;
    e.stats = stats;
  }
  return stats;
}

absl::Status LibraryStatsCache::ForEach(
    const std::vector<absl::string_view>& ids,
    const std::function<void(size_t, const storage::v1::CounterRecord&)>& fn)
    const {
  std::vector<size_t> missed;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = entries_.find(ids[i]);
      if (it != entries_.end() && it->second.valid) {
        fn(i, it->second.stats);
      } else {
        missed.push_back(i);
      }
    }
  }
  for (size_t i : missed) {
    ASSIGN_OR_RETURN(auto stats, Get(ids[i]));
    fn(i, stats);
  }
  return absl::OkStatus();
}

void LibraryStatsCache::Drop(const std::vector<std::string>& library_ids) {
  absl::MutexLock lock(&mu_);
  // Absent entries are made too: a reader may be fetching one right now.
  for (const auto& id : library_ids) {
    Entry& e = entries_[id];
    ++e.drops;
    e.valid = false;
    e.stats.Clear();
  }
}

}  // namespace silang
