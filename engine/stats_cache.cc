#include "engine/stats_cache.h"

#include <optional>
#include <string>
#include <vector>

#include "engine/counters.h"
#include "engine/status_macros.h"

namespace silang {

void LibraryStats::Add(const storage::v1::CounterRecord& d) {
  loans_out += d.loans_out();
  open_queue += d.open_queue();
  lent_total += d.lent_total();
  borrowed_total += d.borrowed_total();
  requests_received += d.requests_received();
  filled += d.filled();
  first_answer_us_sum += d.first_answer_us_sum();
  first_answer_count += d.first_answer_count();
}

LibraryStatsCache::Slot& LibraryStatsCache::SlotFor(uint32_t number) const {
  if (number >= slots_.size()) slots_.resize(number + 1);
  return slots_[number];
}

absl::Status LibraryStatsCache::Lookup(const std::vector<Key>& keys,
                                       std::vector<LibraryStats>& out) const {
  out.assign(keys.size(), LibraryStats());
  struct Miss {
    size_t i;
    uint64_t changes;
  };
  std::vector<Miss> missed;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t n = keys[i].number;
      if (n < slots_.size() && slots_[n].valid) {
        out[i] = slots_[n].stats;
      } else {
        missed.push_back({i, n < slots_.size() ? slots_[n].changes : 0});
      }
    }
  }
  if (missed.empty()) return absl::OkStatus();
  // One MultiGet for all: after a restart, the first decision for a
  // popular title misses up to a thousand holders.
  std::vector<std::string> counter_keys;
  counter_keys.reserve(missed.size());
  for (const Miss& m : missed) {
    counter_keys.push_back(
        CounterKey(CounterScope::kLibrary, keys[m.i].id, kAllTime));
  }
  std::vector<std::optional<storage::v1::CounterRecord>> records;
  RETURN_IF_ERROR(store_.MultiGetProto(Cf::kCounters, counter_keys, records));
  for (size_t j = 0; j < missed.size(); ++j) {
    const Miss& m = missed[j];
    LibraryStats stats;
    if (records[j]) stats.Add(*records[j]);  // absent: all zero
    out[m.i] = stats;
    absl::MutexLock lock(&mu_);
    Slot& slot = SlotFor(keys[m.i].number);
    // A commit that began before the read and has not ended may or may not
    // be in it; one that ended since may be missing from it.
    if (slot.in_flight == 0 && slot.changes == m.changes && !slot.valid) {
      slot.valid = true;
      slot.stats = stats;
    }
  }
  return absl::OkStatus();
}

void LibraryStatsCache::Begin(const std::vector<Delta>& deltas) {
  if (deltas.empty()) return;
  absl::MutexLock lock(&mu_);
  for (const Delta& d : deltas) ++SlotFor(d.number).in_flight;
}

void LibraryStatsCache::End(const std::vector<Delta>& deltas, bool written) {
  if (deltas.empty()) return;
  absl::MutexLock lock(&mu_);
  for (const Delta& d : deltas) {
    Slot& slot = SlotFor(d.number);
    --slot.in_flight;
    ++slot.changes;
    if (!written) {
      slot.valid = false;
    } else if (slot.valid) {
      slot.stats.Add(*d.delta);
    }
  }
}

}  // namespace silang
