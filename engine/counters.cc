#include "engine/counters.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "engine/counter_merge.h"
#include "engine/keys.h"
#include "engine/status_macros.h"

namespace silang {
namespace {

namespace s = storage::v1;
using storage::v1::CounterRecord;
using State = storage::v1::State;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
constexpr int64_t kMicrosPerHour = int64_t{3600} * 1000000;
constexpr int kBucketsPerOctave = 4;   // each bucket ~19% wide
constexpr int kHistogramBuckets = 64;  // up to 2^16 hours

bool IsOut(State st) {  // the item is away from its lender
  switch (st) {
    case s::STATE_SHIPPED:
    case s::STATE_RECEIVED:
    case s::STATE_ON_LOAN:
    case s::STATE_RENEWAL_REQUESTED:
    case s::STATE_OVERDUE:
    case s::STATE_RECALLED:
    case s::STATE_RETURN_SHIPPED:
      return true;
    default:
      return false;
  }
}

// Accumulates deltas per (scope, id); each lands on day 0 and on today.
class Deltas {
 public:
  explicit Deltas(int64_t now_us) : day_(CounterDay(now_us)) {}
  CounterRecord& For(CounterScope scope, const std::string& id) {
    return by_scope_[{static_cast<uint8_t>(scope), id}];
  }
  std::vector<CounterDelta> Take() {
    std::vector<CounterDelta> out;
    for (auto& [k, rec] : by_scope_) {
      if (rec.ByteSizeLong() == 0) continue;
      auto scope = static_cast<CounterScope>(k.first);
      out.push_back({scope, k.second, kAllTime, rec});
      // Gauges belong to the all-time key only.
      rec.clear_loans_out();
      rec.clear_borrowed_out();
      rec.clear_open_queue();
      rec.clear_in_state();
      rec.clear_commits_by_state();  // a network total, not a report figure
      if (rec.ByteSizeLong() != 0) {
        out.push_back({scope, k.second, day_, std::move(rec)});
      }
    }
    return out;
  }

 private:
  uint32_t day_;
  std::map<std::pair<uint8_t, std::string>, CounterRecord> by_scope_;
};

void AddHistogram(CounterRecord& c, int64_t us) {
  const int bucket = TurnaroundBucket(us);
  while (c.turnaround_hours_log2_size() <= bucket) {
    c.add_turnaround_hours_log2(0);
  }
  c.set_turnaround_hours_log2(bucket, c.turnaround_hours_log2(bucket) + 1);
}

}  // namespace

int TurnaroundBucket(int64_t us) {
  const double hours =
      std::max(1.0, static_cast<double>(us) / kMicrosPerHour);
  const int bucket =
      static_cast<int>(std::floor(std::log2(hours) * kBucketsPerOctave));
  return std::clamp(bucket, 0, kHistogramBuckets - 1);
}

double TurnaroundBucketLowerHours(int bucket) {
  return std::exp2(static_cast<double>(bucket) / kBucketsPerOctave);
}

uint32_t CounterDay(int64_t micros) {
  return static_cast<uint32_t>(std::max<int64_t>(0, micros / kMicrosPerDay) +
                               1);
}

std::string MemberId(absl::string_view partnership_id,
                     absl::string_view library_id) {
  return absl::StrCat(partnership_id, ":", library_id);
}

std::string CounterKey(CounterScope scope, absl::string_view id,
                       uint32_t day) {
  return keys::Builder()
      .U8(static_cast<uint8_t>(scope))
      .Str(id)
      .U32(day)
      .Take();
}

std::vector<CounterDelta> CountTransition(
    const s::RequestRecord* before, const s::RequestRecord& after,
    const std::vector<std::string>& asked_lenders, int64_t now_us) {
  Deltas d(now_us);
  const std::string& borrower = after.borrower_library_id();
  const bool loan = after.service_type() != s::SERVICE_TYPE_COPY;
  const State was = before ? before->state() : s::STATE_UNSPECIFIED;
  const State is = after.state();
  auto partnership_of = [](const s::RequestRecord& r) -> std::string {
    if (r.rota_position() >= 0 && r.rota_position() < r.rota_size()) {
      return r.rota(r.rota_position()).partnership_id();
    }
    return "";
  };
  // What the lender at `before`'s position answered: the engine records
  // it in that rota entry before moving on (the request's last_reason may
  // already say ROTA_EXHAUSTED).
  auto answer_of = [&](const s::RequestRecord& b) {
    const int pos = b.rota_position();
    if (pos >= 0 && pos < after.rota_size() &&
        after.rota(pos).outcome() != s::REASON_UNSPECIFIED) {
      return after.rota(pos).outcome();
    }
    return after.last_reason();
  };
  // Lender-side counts go to the lender and its partnership.
  auto lender_side = [&](const std::string& lender, const std::string& p,
                         auto&& fn) {
    fn(d.For(CounterScope::kLibrary, lender));
    if (!p.empty()) {
      fn(d.For(CounterScope::kPartnership, p));
      fn(d.For(CounterScope::kMember, MemberId(p, lender)));
    }
    fn(d.For(CounterScope::kNetwork, ""));
  };
  auto borrower_side = [&](const std::string& p, auto&& fn) {
    fn(d.For(CounterScope::kLibrary, borrower));
    if (!p.empty()) {
      fn(d.For(CounterScope::kPartnership, p));
      fn(d.For(CounterScope::kMember, MemberId(p, borrower)));
    }
    fn(d.For(CounterScope::kNetwork, ""));
  };

  if (before == nullptr) {
    borrower_side(partnership_of(after), [](CounterRecord& c) {
      c.set_requests_made(c.requests_made() + 1);
    });
  }
  // The previous lender answered (or timed out) if it was waiting on it and
  // the request left it.
  // (From WILL_SUPPLY only by moving on: its answer was counted already.)
  const bool left_lender =
      before && (before->current_lender_id() != after.current_lender_id() ||
                 before->rota_position() != after.rota_position());
  if (before && was == s::STATE_WILL_SUPPLY && left_lender) {
    const s::Reason why = answer_of(*before);
    lender_side(before->current_lender_id(), partnership_of(*before),
                [&](CounterRecord& c) {
                  c.set_unfilled(c.unfilled() + 1);
                  if (why == s::REASON_DEADLINE_PASSED) {
                    c.set_timeouts(c.timeouts() + 1);
                  }
                  (*c.mutable_unfilled_reasons())[why] += 1;
                });
  }
  if (before && was == s::STATE_SENT_TO_LENDER &&
      (is != s::STATE_SENT_TO_LENDER || left_lender)) {
    const std::string& lender = before->current_lender_id();
    const std::string p = partnership_of(*before);
    const int64_t waited = now_us - before->sent_at_us();
    const bool moved_on = is == s::STATE_SENT_TO_LENDER ||
                          is == s::STATE_UNFILLED;
    const s::Reason why = answer_of(*before);
    const bool timed_out = moved_on && why == s::REASON_DEADLINE_PASSED;
    lender_side(lender, p, [&](CounterRecord& c) {
      c.set_open_queue(c.open_queue() - 1);
      if (!timed_out && is != s::STATE_CANCEL_PENDING &&
          is != s::STATE_CANCELLED) {
        c.set_first_answer_us_sum(c.first_answer_us_sum() + waited);
        c.set_first_answer_count(c.first_answer_count() + 1);
      }
      if (moved_on) {
        c.set_unfilled(c.unfilled() + 1);
        if (timed_out) c.set_timeouts(c.timeouts() + 1);
        (*c.mutable_unfilled_reasons())[why] += 1;
      }
    });
  }
  for (const auto& lender : asked_lenders) {
    lender_side(lender, partnership_of(after), [](CounterRecord& c) {
      c.set_requests_received(c.requests_received() + 1);
      c.set_open_queue(c.open_queue() + 1);
    });
  }
  // Every commit, and where it leaves the request (network all-time only).
  CounterRecord& net = d.For(CounterScope::kNetwork, "");
  (*net.mutable_commits_by_state())[is] += 1;
  if (was != is) {
    (*net.mutable_in_state())[is] += 1;
    if (before != nullptr) (*net.mutable_in_state())[was] -= 1;
  }
  if (was == is) return d.Take();

  const std::string& lender = after.current_lender_id();
  const std::string p = partnership_of(after);
  if (is == s::STATE_SHIPPED && !IsOut(was)) {
    lender_side(lender, p, [&](CounterRecord& c) {
      c.set_filled(c.filled() + 1);
      c.set_lent_total(c.lent_total() + 1);
      if (loan) c.set_loans_out(c.loans_out() + 1);
    });
    if (loan) {
      d.For(CounterScope::kLibrary, borrower)
          .set_borrowed_out(d.For(CounterScope::kLibrary, borrower)
                                .borrowed_out() +
                            1);
    }
  }
  if (was == s::STATE_SHIPPED &&
      (is == s::STATE_RECEIVED || is == s::STATE_COMPLETE)) {
    const int64_t turnaround = now_us - after.created_at_us();
    borrower_side(p, [&](CounterRecord& c) {
      c.set_borrowed_total(c.borrowed_total() + 1);
      c.set_turnaround_us_sum(c.turnaround_us_sum() + turnaround);
      c.set_turnaround_count(c.turnaround_count() + 1);
      AddHistogram(c, turnaround);
    });
  }
  if (is == s::STATE_OVERDUE) {
    borrower_side(p, [](CounterRecord& c) { c.set_overdue(c.overdue() + 1); });
  }
  if (is == s::STATE_CANCELLED) {
    borrower_side(p, [](CounterRecord& c) {
      c.set_cancelled(c.cancelled() + 1);
    });
  }
  if (is == s::STATE_UNFILLED) {
    const std::string last = before != nullptr ? partnership_of(*before) : "";
    borrower_side(last, [](CounterRecord& c) {
      c.set_requests_unfilled(c.requests_unfilled() + 1);
    });
  }
  if (is == s::STATE_RETURN_SHIPPED && after.checked_out_at_us() != 0) {
    const int64_t length = now_us - after.checked_out_at_us();
    borrower_side(p, [&](CounterRecord& c) {
      c.set_loan_us_sum(c.loan_us_sum() + length);
      c.set_loan_count(c.loan_count() + 1);
    });
  }
  // The item came home (or never will): the loan is no longer out.
  if (loan && IsOut(was) && !IsOut(is)) {
    lender_side(before->current_lender_id(), p, [](CounterRecord& c) {
      c.set_loans_out(c.loans_out() - 1);
    });
    auto& b = d.For(CounterScope::kLibrary, borrower);
    b.set_borrowed_out(b.borrowed_out() - 1);
  }
  if (is == s::STATE_COMPLETE) {
    borrower_side(p, [](CounterRecord& c) {
      c.set_completed(c.completed() + 1);
    });
  }
  return d.Take();
}

absl::StatusOr<CounterRecord> ReadCounters(const Store& store,
                                           CounterScope scope,
                                           absl::string_view id,
                                           uint32_t day) {
  ASSIGN_OR_RETURN(auto rec, store.GetProto<CounterRecord>(
                                 Cf::kCounters, CounterKey(scope, id, day)));
  return rec ? *std::move(rec) : CounterRecord();
}

absl::StatusOr<CounterRecord> SumCounters(const Store& store,
                                          CounterScope scope,
                                          absl::string_view id,
                                          uint32_t first_day,
                                          uint32_t last_day) {
  CounterRecord sum;
  absl::Status inner = absl::OkStatus();
  std::string prefix =
      keys::Builder().U8(static_cast<uint8_t>(scope)).Str(id).Take();
  std::string last = CounterKey(scope, id, last_day);
  RETURN_IF_ERROR(store.Scan(
      Cf::kCounters, prefix, CounterKey(scope, id, first_day),
      [&](absl::string_view k, absl::string_view v) {
        if (k > last) return false;
        CounterRecord rec;
        if (!rec.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kCounters, k);
          return false;
        }
        AddCounters(sum, rec);
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return sum;
}

}  // namespace silang
