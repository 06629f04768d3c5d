// A month of generated traffic through the real engine, then the
// partnership's evaluation, checked against figures this test computes
// from its own log of what it did (not from the engine's counters).
#include "engine/reports.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

namespace s = storage::v1;

const std::vector<std::string> kLibraries = {"jkt", "bdg", "sby", "mks"};
constexpr char kIsbn[] = "isbn:9786020332956";

// What the test itself saw happen.
struct Log {
  std::map<std::string, int> made, received, filled, lent, borrowed;
  std::map<s::Reason, int> unfilled_reasons;
  int unfilled = 0;
  int exhausted = 0;
  int cancelled = 0;
  int completed = 0;
  std::vector<double> turnaround_hours;
  std::vector<double> loan_days;
};

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1))];
}

class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto core = Core::Open(dir_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
    double lon = 106.8;
    for (const auto& id : kLibraries) {
      s::LibraryRecord lib;
      lib.set_id(id);
      lib.set_name(id);
      lib.set_lat(-6.2);
      lib.set_lon(lon += 0.5);
      lib.set_province("P");
      lib.set_time_zone("WIB");
      lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
      ASSERT_TRUE(core_->directory->PutLibrary(lib, 0).ok());
      s::HoldingRecord h;
      h.set_title_key(kIsbn);
      h.set_item_id(id + "-1");
      h.set_availability(s::AVAILABILITY_ON_SHELF);
      ASSERT_TRUE(core_->directory->PutHoldings(id, {h}, false).ok());
    }
    s::PartnershipRecord p;
    p.set_id("jawa");
    for (const auto& id : kLibraries) p.add_member_ids(id);
    p.set_valid_from("2026-01-01");
    p.set_valid_until("2027-12-31");
    p.set_tier(1);
    ASSERT_TRUE(core_->directory->PutPartnership(p, 0).ok());
  }

  s::RequestRecord Act(const s::RequestRecord& r, const std::string& actor,
                       s::Action action, s::Reason reason = {}) {
    ActCommand cmd;
    cmd.request_id = r.id();
    cmd.expected_version = r.version();
    cmd.actor_library_id = actor;
    cmd.action = action;
    cmd.reason = reason;
    auto out = core_->requests->Act(cmd);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : r;
  }

  // November 2026, UTC days; each day starts at 01:00 UTC.
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 11, 1, 1, 0, 0),
                                   absl::UTCTimeZone())};
  testing::TempDir dir_{"reports"};
  std::unique_ptr<Core> core_;
};

TEST_F(ReportsTest, MonthOfTrafficMatchesTheTestsOwnLog) {
  std::mt19937 rng(20261101);
  auto chance = [&](double p) {
    return std::uniform_real_distribution<>(0, 1)(rng) < p;
  };
  auto hours = [&](int lo, int hi) {
    return absl::Hours(std::uniform_int_distribution<>(lo, hi)(rng));
  };
  const s::Reason kReasons[] = {s::REASON_NOT_ON_SHELF,
                                s::REASON_POOR_CONDITION,
                                s::REASON_NON_CIRCULATING};
  Log log;
  const absl::Time month_start = clock_.Now();
  for (int day = 0; day < 28; ++day) {
    clock_.Set(month_start + absl::Hours(24 * day));
    for (int n = 0; n < 3; ++n) {
      const std::string borrower = kLibraries[(day + n) % kLibraries.size()];
      SubmitCommand cmd;
      cmd.idempotency_key = absl::StrCat("d", day, "-", n);
      cmd.payload.set_borrower_library_id(borrower);
      cmd.payload.set_patron_ref("P-1");
      cmd.payload.set_title_key(kIsbn);
      auto sub = core_->requests->Submit(cmd);
      ASSERT_TRUE(sub.ok()) << sub.status();
      s::RequestRecord r = sub->request;
      const absl::Time created = clock_.Now();
      ++log.made[borrower];
      ++log.received[r.current_lender_id()];

      // Lenders decline now and then; the request moves on by itself.
      bool exhausted = false;
      while (chance(0.3)) {
        clock_.Advance(hours(1, 3));
        const s::Reason why = kReasons[rng() % 3];
        ++log.unfilled;
        ++log.unfilled_reasons[why];
        r = Act(r, r.current_lender_id(), s::ACTION_UNFILLED, why);
        if (r.state() == s::STATE_UNFILLED) {
          exhausted = true;
          ++log.exhausted;
          break;
        }
        ++log.received[r.current_lender_id()];
      }
      if (exhausted) continue;
      if (chance(0.1)) {  // cancelled, and the lender confirms
        clock_.Advance(hours(1, 2));
        r = Act(r, borrower, s::ACTION_CANCEL);
        r = Act(r, r.current_lender_id(), s::ACTION_CONFIRM_CANCEL);
        ++log.cancelled;
        continue;
      }
      const std::string lender = r.current_lender_id();
      clock_.Advance(hours(1, 4));
      r = Act(r, lender, s::ACTION_SHIP);
      ++log.filled[lender];
      ++log.lent[lender];
      clock_.Advance(hours(6, 60));
      r = Act(r, borrower, s::ACTION_RECEIVE);
      ++log.borrowed[borrower];
      log.turnaround_hours.push_back(
          absl::ToDoubleHours(clock_.Now() - created));
      const absl::Time out = clock_.Now();
      r = Act(r, borrower, s::ACTION_CHECK_OUT);
      clock_.Advance(hours(24, 120));
      r = Act(r, borrower, s::ACTION_SHIP_RETURN);
      log.loan_days.push_back(absl::ToDoubleHours(clock_.Now() - out) / 24);
      clock_.Advance(hours(2, 24));
      r = Act(r, lender, s::ACTION_CHECK_IN);
      ASSERT_EQ(r.state(), s::STATE_COMPLETE);
      ++log.completed;
    }
  }
  ASSERT_FALSE(log.turnaround_hours.empty());

  auto e = Evaluate(*core_->store, *core_->directory, "jawa", "",
                    absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 12, 31));
  ASSERT_TRUE(e.ok()) << e.status();
  int made = 0, received = 0, filled = 0;
  for (const auto& [lib, n] : log.made) made += n;
  for (const auto& [lib, n] : log.received) received += n;
  for (const auto& [lib, n] : log.filled) filled += n;
  EXPECT_EQ(e->totals.requests_made(), made);
  EXPECT_EQ(e->totals.requests_received(), received);
  EXPECT_EQ(e->totals.filled(), filled);
  EXPECT_EQ(e->totals.unfilled(), log.unfilled);
  EXPECT_EQ(e->totals.requests_unfilled(), log.exhausted);
  EXPECT_EQ(e->totals.cancelled(), log.cancelled);
  EXPECT_EQ(e->totals.completed(), log.completed);
  EXPECT_DOUBLE_EQ(e->fill_rate, static_cast<double>(filled) / received);
  for (const auto& [reason, n] : log.unfilled_reasons) {
    auto it = e->totals.unfilled_reasons().find(reason);
    ASSERT_NE(it, e->totals.unfilled_reasons().end()) << reason;
    EXPECT_EQ(it->second, n) << reason;
  }
  // Quantiles come from a histogram with ~19% buckets.
  EXPECT_NEAR(e->turnaround_p50_hours, Quantile(log.turnaround_hours, 0.5),
              0.2 * Quantile(log.turnaround_hours, 0.5));
  EXPECT_NEAR(e->turnaround_p90_hours, Quantile(log.turnaround_hours, 0.9),
              0.2 * Quantile(log.turnaround_hours, 0.9));
  double mean_loan = 0;
  for (double d : log.loan_days) mean_loan += d / log.loan_days.size();
  EXPECT_NEAR(e->mean_loan_days, mean_loan, 1e-6);

  ASSERT_EQ(e->members.size(), kLibraries.size());
  for (const MemberBalance& m : e->members) {
    SCOPED_TRACE(m.library_id);
    EXPECT_EQ(m.requests_made, log.made[m.library_id]);
    EXPECT_EQ(m.requests_received, log.received[m.library_id]);
    EXPECT_EQ(m.lent, log.lent[m.library_id]);
    EXPECT_EQ(m.borrowed, log.borrowed[m.library_id]);
    EXPECT_EQ(m.balance(), log.lent[m.library_id] - log.borrowed[m.library_id]);
  }

  // A period before any traffic is empty; a library report sees its own.
  auto before = Evaluate(*core_->store, *core_->directory, "jawa", "",
                         absl::CivilDay(2026, 10, 1),
                         absl::CivilDay(2026, 10, 31));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->totals.requests_made(), 0);
  auto jkt = Evaluate(*core_->store, *core_->directory, "", "jkt",
                      absl::CivilDay(2026, 11, 1),
                      absl::CivilDay(2026, 12, 31));
  ASSERT_TRUE(jkt.ok());
  EXPECT_EQ(jkt->totals.requests_made(), log.made["jkt"]);
  EXPECT_EQ(jkt->totals.lent_total(), log.lent["jkt"]);
}

TEST_F(ReportsTest, BadPeriodsAreRefused) {
  auto backwards = Evaluate(*core_->store, *core_->directory, "jawa", "",
                            absl::CivilDay(2026, 11, 2),
                            absl::CivilDay(2026, 11, 1));
  EXPECT_TRUE(absl::IsInvalidArgument(backwards.status()));
  auto both = Evaluate(*core_->store, *core_->directory, "jawa", "jkt",
                       absl::CivilDay(2026, 11, 1),
                       absl::CivilDay(2026, 11, 1));
  EXPECT_TRUE(absl::IsInvalidArgument(both.status()));
  auto unknown = Evaluate(*core_->store, *core_->directory, "nope", "",
                          absl::CivilDay(2026, 11, 1),
                          absl::CivilDay(2026, 11, 1));
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  auto decade = Evaluate(*core_->store, *core_->directory, "jawa", "",
                         absl::CivilDay(2020, 1, 1),
                         absl::CivilDay(2030, 12, 31));
  EXPECT_TRUE(absl::IsResourceExhausted(decade.status()));
}

}  // namespace
}  // namespace silang
