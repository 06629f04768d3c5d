// Evaluation of a partnership or a library over a period, from the
// counters kept as transitions commit (engine/counters.h).
//
// Cost: one counters key per day per scope (the partnership, or the
// library) plus one per member per day; it does not grow with the number
// of requests. Days are UTC days, both ends inclusive.
#ifndef SILANG_ENGINE_REPORTS_H_
#define SILANG_ENGINE_REPORTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/directory.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

struct MemberBalance {
  std::string library_id;
  int64_t requests_made = 0;      // as borrower
  int64_t requests_received = 0;  // as lender
  int64_t filled = 0;
  int64_t lent = 0;
  int64_t borrowed = 0;
  int64_t balance() const { return lent - borrowed; }
};

struct Evaluation {
  std::string partnership_id;  // one of the two
  std::string library_id;
  absl::CivilDay from;
  absl::CivilDay to;
  storage::v1::CounterRecord totals;
  double fill_rate = 0;                // filled / asked; 0 if never asked
  double mean_first_answer_hours = 0;  // asked -> answered
  double turnaround_p50_hours = 0;     // submitted -> received
  double turnaround_p90_hours = 0;
  double mean_loan_days = 0;           // checked out -> returned
  std::vector<MemberBalance> members;  // each member's balance
};

// REQUIRES: exactly one of partnership_id, library_id is set.
absl::StatusOr<Evaluation> Evaluate(const Store& store,
                                    const Directory& directory,
                                    absl::string_view partnership_id,
                                    absl::string_view library_id,
                                    absl::CivilDay from, absl::CivilDay to);

// The q-quantile (0 < q < 1) of a turnaround histogram, interpolated
// within its bucket; 0 for an empty one.
double TurnaroundQuantileHours(const storage::v1::CounterRecord& counters,
                               double q);

}  // namespace silang

#endif  // SILANG_ENGINE_REPORTS_H_
