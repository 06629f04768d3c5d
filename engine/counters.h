// Counters of network activity, kept up to date as transitions commit.
//
// CountTransition (pure) turns one command's before/after request records
// into CounterRecord deltas for the libraries and the partnership involved;
// RequestEngine::Commit merges them into Cf::kCounters in the same batch as
// the transition. Each delta goes to the all-time key (day 0, which also
// holds gauges such as loans out) and to the key of the UTC day it happened.
// A report over a period sums one key per day per scope: its cost grows
// with the days in the period, not with the number of requests.
#ifndef SILANG_ENGINE_COUNTERS_H_
#define SILANG_ENGINE_COUNTERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

// DO NOT CHANGE the numbers: they are in keys.
enum class CounterScope : uint8_t {
  kNetwork = 0,
  kLibrary = 1,
  kPartnership = 2,
  kMember = 3,  // one library within one partnership: id MemberId(p, l)
};

// "P:L": ids hold no ':' (Directory::ValidateId).
std::string MemberId(absl::string_view partnership_id,
                     absl::string_view library_id);

// Turnaround histogram buckets: bucket i counts durations from
// 2^(i/4) hours up to the next bucket's start (each ~19% wide).
int TurnaroundBucket(int64_t micros);
double TurnaroundBucketLowerHours(int bucket);

inline constexpr uint32_t kAllTime = 0;

// UTC day number used in counter keys (days since 1970-01-01, plus 1).
uint32_t CounterDay(int64_t micros);
std::string CounterKey(CounterScope scope, absl::string_view id, uint32_t day);

struct CounterDelta {
  CounterScope scope = CounterScope::kNetwork;
  std::string id;
  uint32_t day = kAllTime;
  storage::v1::CounterRecord delta;

  std::string key() const { return CounterKey(scope, id, day); }
};

// What one command changed. before is null for a new request;
// asked_lenders are the libraries the command sent the request to.
std::vector<CounterDelta> CountTransition(
    const storage::v1::RequestRecord* before,
    const storage::v1::RequestRecord& after,
    const std::vector<std::string>& asked_lenders, int64_t now_us);

// The counters under one key (zero if none).
absl::StatusOr<storage::v1::CounterRecord> ReadCounters(
    const Store& store, CounterScope scope, absl::string_view id,
    uint32_t day);
// The sum over days [first_day, last_day]. REQUIRES: first_day >= 1.
absl::StatusOr<storage::v1::CounterRecord> SumCounters(
    const Store& store, CounterScope scope, absl::string_view id,
    uint32_t first_day, uint32_t last_day);

}  // namespace silang

#endif  // SILANG_ENGINE_COUNTERS_H_
