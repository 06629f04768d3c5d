#include "engine/reports.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/counters.h"
#include "engine/status_macros.h"

namespace silang {
namespace {

using storage::v1::CounterRecord;

constexpr int kMaxDays = 3660;

uint32_t DayOf(absl::CivilDay day) {
  return CounterDay(
      absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone())));
}

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0
                  : static_cast<double>(num) / static_cast<double>(den);
}

absl::StatusOr<MemberBalance> Balance(const Store& store, CounterScope scope,
                                      absl::string_view id,
                                      absl::string_view library, uint32_t from,
                                      uint32_t to) {
  ASSIGN_OR_RETURN(CounterRecord c, SumCounters(store, scope, id, from, to));
  MemberBalance m;
  m.library_id = std::string(library);
  m.requests_made = c.requests_made();
  m.requests_received = c.requests_received();
  m.filled = c.filled();
  m.lent = c.lent_total();
  m.borrowed = c.borrowed_total();
  return m;
}

}  // namespace

double TurnaroundQuantileHours(const CounterRecord& c, double q) {
  int64_t total = 0;
  for (int64_t n : c.turnaround_hours_log2()) total += n;
  if (total == 0) return 0;
  const double target = q * static_cast<double>(total);
  double seen = 0;
  for (int i = 0; i < c.turnaround_hours_log2_size(); ++i) {
    const double n = static_cast<double>(c.turnaround_hours_log2(i));
    if (n > 0 && seen + n >= target) {
      // Geometric interpolation inside the bucket.
      const double lo = TurnaroundBucketLowerHours(i);
      const double hi = TurnaroundBucketLowerHours(i + 1);
      const double f = (target - seen) / n;
      return lo * std::pow(hi / lo, f);
    }
    seen += n;
  }
  return TurnaroundBucketLowerHours(c.turnaround_hours_log2_size());
}

absl::StatusOr<Evaluation> Evaluate(const Store& store,
                                    const Directory& directory,
                                    absl::string_view partnership_id,
                                    absl::string_view library_id,
                                    absl::CivilDay from, absl::CivilDay to) {
  if (partnership_id.empty() == library_id.empty()) {
    return absl::InvalidArgumentError(
        "partnership_id, library_id: give exactly one");
  }
  if (to < from) {
    return absl::InvalidArgumentError("to_date: before from_date");
  }
  if (to - from >= kMaxDays) {
    return absl::ResourceExhaustedError(
        absl::StrCat("to_date: a report spans at most ", kMaxDays, " days"));
  }
  const uint32_t first = DayOf(from);
  const uint32_t last = DayOf(to);
  Evaluation e;
  e.partnership_id = std::string(partnership_id);
  e.library_id = std::string(library_id);
  e.from = from;
  e.to = to;
  if (!partnership_id.empty()) {
    ASSIGN_OR_RETURN(auto p, directory.GetPartnership(partnership_id));
    ASSIGN_OR_RETURN(e.totals, SumCounters(store, CounterScope::kPartnership,
                                           partnership_id, first, last));
    for (const auto& member : p.member_ids()) {
      ASSIGN_OR_RETURN(
          MemberBalance m,
          Balance(store, CounterScope::kMember,
                  MemberId(partnership_id, member), member, first, last));
      e.members.push_back(std::move(m));
    }
  } else {
    RETURN_IF_ERROR(directory.GetLibrary(library_id).status());
    ASSIGN_OR_RETURN(e.totals, SumCounters(store, CounterScope::kLibrary,
                                           library_id, first, last));
    ASSIGN_OR_RETURN(MemberBalance m,
                     Balance(store, CounterScope::kLibrary, library_id,
                             library_id, first, last));
    e.members.push_back(std::move(m));
  }
  const CounterRecord& t = e.totals;
  e.fill_rate = Ratio(t.filled(), t.requests_received());
  e.mean_first_answer_hours =
      Ratio(t.first_answer_us_sum(), t.first_answer_count()) / 3.6e9;
  e.turnaround_p50_hours = TurnaroundQuantileHours(t, 0.5);
  e.turnaround_p90_hours = TurnaroundQuantileHours(t, 0.9);
  e.mean_loan_days = Ratio(t.loan_us_sum(), t.loan_count()) / 8.64e10;
  return e;
}

}  // namespace silang
