#include "engine/requests.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "engine/counters.h"
#include "engine/directory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wib.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kTitle[] = "isbn:9786020332956";
constexpr char kUnknownTitle[] = "isbn:9780306406157";

using testing::Wib;

// Jakarta borrows; Bandung, Tanjung Pinang and Tomohon hold the title and
// rank in that order (nearest first). The clock starts on Wednesday
// 2024-03-06, 10:00 WIB.
class RequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenCore());
    ASSERT_NO_FATAL_FAILURE(PopulateDirectory());
  }

  void OpenCore() {
    auto core = Core::Open(tmp_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  // Closes everything and opens it again over the same directory.
  void Reopen() {
    core_.reset();
    ASSERT_NO_FATAL_FAILURE(OpenCore());
  }

  RequestEngine& engine() { return *core_->requests; }
  Directory& directory() { return *core_->directory; }

  static LibraryRecord Library(const std::string& id, double lat, double lon,
                               const std::string& province,
                               const std::string& island,
                               const std::string& zone) {
    LibraryRecord lib;
    lib.set_id(id);
    lib.set_name("Perpustakaan " + id);
    lib.set_lat(lat);
    lib.set_lon(lon);
    lib.set_province(province);
    lib.set_island(island);
    lib.set_time_zone(zone);
    lib.set_status(s::LIBRARY_STATUS_ACTIVE);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_COPY);
    return lib;
  }

  void PopulateDirectory() {
    LibraryRecord bdg =
        Library("bdg", -6.92222, 107.60694, "Jawa Barat", "Jawa", "WIB");
    bdg.mutable_policy()->set_loan_period_days(14);
    for (const LibraryRecord& lib :
         {Library("jkt", -6.2146, 106.8451, "DKI Jakarta", "Jawa", "WIB"), bdg,
          Library("tpi", 0.91667, 104.45833, "Kepulauan Riau", "Bintan", "WIB"),
          Library("tmh", 1.31678, 124.80379, "Sulawesi Utara", "Sulawesi",
                  "WITA")}) {
      auto put = directory().PutLibrary(lib, 0);
      ASSERT_TRUE(put.ok()) << put.status();
    }
    PartnershipRecord p;
    p.set_id("p-nasional");
    p.set_name("Jaringan Nasional");
    for (const char* m : {"jkt", "bdg", "tpi", "tmh"}) p.add_member_ids(m);
    p.set_valid_from("2024-01-01");
    p.set_valid_until("2026-12-31");
    p.set_tier(2);
    auto put = directory().PutPartnership(p, 0);
    ASSERT_TRUE(put.ok()) << put.status();
    for (const char* lib : {"bdg", "tpi", "tmh"}) {
      ASSERT_NO_FATAL_FAILURE(AddHolding(lib, kTitle));
    }
  }

  void AddHolding(const std::string& lib, const std::string& title) {
    HoldingRecord h;
    h.set_title_key(title);
    h.set_item_id(lib + "-0001");
    h.set_availability(s::AVAILABILITY_ON_SHELF);
    auto put = directory().PutHoldings(lib, {h}, false);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  static SubmitCommand Command(const std::string& key,
                               s::ServiceType service = s::SERVICE_TYPE_LOAN,
                               const std::string& title = kTitle) {
    SubmitCommand cmd;
    cmd.idempotency_key = key;
    cmd.payload.set_borrower_library_id("jkt");
    cmd.payload.set_patron_ref("P-000123");
    cmd.payload.set_title_key(title);
    cmd.payload.mutable_bib()->set_title("Laskar Pelangi");
    cmd.payload.mutable_bib()->set_author("Andrea Hirata");
    cmd.payload.set_service_type(service);
    return cmd;
  }

  // Submits and checks it was created; returns the request.
  RequestRecord MustSubmit(const std::string& key,
                           s::ServiceType service = s::SERVICE_TYPE_LOAN,
                           const std::string& title = kTitle) {
    auto res = engine().Submit(Command(key, service, title));
    EXPECT_TRUE(res.ok()) << res.status();
    if (!res.ok()) return RequestRecord();
    EXPECT_TRUE(res->created);
    return res->request;
  }

  // An action at the request's current version.
  absl::StatusOr<RequestRecord> Act(uint64_t id, const std::string& actor,
                                    Action action,
                                    Reason reason = s::REASON_UNSPECIFIED,
                                    const std::string& key = "") {
    auto current = engine().Get(id);
    if (!current.ok()) return current.status();
    ActCommand cmd;
    cmd.request_id = id;
    cmd.expected_version = current->version();
    cmd.actor_library_id = actor;
    cmd.action = action;
    cmd.reason = reason;
    cmd.idempotency_key = key;
    return engine().Act(cmd);
  }

  RequestRecord MustAct(uint64_t id, const std::string& actor, Action action,
                        Reason reason = s::REASON_UNSPECIFIED) {
    auto r = Act(id, actor, action, reason);
    EXPECT_TRUE(r.ok()) << fsm::ActionName(action) << " by " << actor << ": "
                        << r.status();
    return r.ok() ? *r : RequestRecord();
  }

  RequestRecord MustGet(uint64_t id) {
    auto r = engine().Get(id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RequestRecord();
  }

  std::vector<AuditRecord> Trail(uint64_t id) {
    auto trail = engine().AuditTrail(id);
    EXPECT_TRUE(trail.ok()) << trail.status();
    return trail.ok() ? *trail : std::vector<AuditRecord>();
  }

  static std::vector<Action> Actions(const std::vector<AuditRecord>& trail) {
    std::vector<Action> out;
    for (const auto& e : trail) out.push_back(e.action());
    return out;
  }

  static std::vector<std::string> RotaIds(const RequestRecord& r) {
    std::vector<std::string> out;
    for (const auto& e : r.rota()) out.push_back(e.library_id());
    return out;
  }

  RequestEngine::TimerSweep MustRunTimers() {
    auto sweep = engine().RunDueTimers();
    EXPECT_TRUE(sweep.ok()) << sweep.status();
    if (!sweep.ok()) return {};
    EXPECT_TRUE(sweep->first_error.ok()) << sweep->first_error;
    return *sweep;
  }

  std::vector<Task> MustTasks(const std::string& lib) {
    auto page = engine().Tasks(lib, 0, "");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<Task>();
  }

  testing::TempDir tmp_{"requests"};
  FakeClock clock_{Wib(2024, 3, 6, 10)};
  std::unique_ptr<Core> core_;
};

TEST(RequestIdTest, FormatAndParse) {
  EXPECT_EQ(FormatRequestId(42), "r-42");
  auto id = ParseRequestId("r-42");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 42u);
  for (absl::string_view bad :
       {"42", "r-", "r-0", "r--1", "r-4x", "R-42", "r-99999999999999999999"}) {
    EXPECT_EQ(ParseRequestId(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(RequestsTest, SubmitRoutesToBestLenderInTheSameCall) {
  RequestRecord r = MustSubmit("k-1");
  EXPECT_EQ(r.id(), 1u);
  EXPECT_EQ(r.version(), 1u);
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.current_lender_id(), "bdg");
  EXPECT_THAT(RotaIds(r), ElementsAre("bdg", "tpi", "tmh"));
  EXPECT_EQ(r.rota_position(), 0);
  EXPECT_EQ(r.pickup_library_id(), "jkt");
  EXPECT_EQ(r.service_level(), s::SERVICE_LEVEL_NORMAL);
  EXPECT_EQ(r.created_at_us(), clock_.NowMicros());
  // Four business days from Wednesday in Bandung: Thu, Fri, Mon, Tue; the
  // deadline is the end of Tuesday.
  EXPECT_EQ(r.response_deadline_us(), absl::ToUnixMicros(Wib(2024, 3, 13)));
  EXPECT_EQ(r.timer_kind(),
            static_cast<uint32_t>(TimerKind::kResponseDeadline));
  EXPECT_EQ(r.timer_due_us(), r.response_deadline_us());

  // What was returned is what was stored.
  RequestRecord stored = MustGet(r.id());
  EXPECT_EQ(stored.SerializeAsString(), r.SerializeAsString());

  std::vector<AuditRecord> trail = Trail(r.id());
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[0].action(), s::ACTION_SUBMIT);
  EXPECT_EQ(trail[0].actor_library_id(), "jkt");
  EXPECT_EQ(trail[0].to_state(), s::STATE_SUBMITTED);
  EXPECT_EQ(trail[1].action(), s::ACTION_ROUTE);
  EXPECT_EQ(trail[1].role(), s::ROLE_SYSTEM);
  EXPECT_EQ(trail[1].from_state(), s::STATE_SUBMITTED);
  EXPECT_EQ(trail[1].to_state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(trail[1].lender_id(), "bdg");
  EXPECT_THAT(trail[1].note(), HasSubstr("rank 1 of 3"));
}

// silangd warms each library's routing counters with its view, so the
// first routings after a start-up read none from the store. A counter
// written behind the engine's back shows which values came from memory.
// Each commit wakes the feeds of exactly the libraries whose work it
// changed: the borrower, the lender now asked and the lender it left.
TEST_F(RequestsTest, FeedListenerNamesOnlyTheLibrariesACommitTouched) {
  std::vector<std::vector<std::string>> woken;
  engine().feed().SetListener(
      [&woken](const std::vector<std::string>& libraries) {
        woken.push_back(libraries);
      });
  RequestRecord r = MustSubmit("feed-wake");
  const std::string first = r.current_lender_id();
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_THAT(woken[0], ElementsAre("jkt", first));

  RequestRecord moved =
      MustAct(r.id(), first, s::ACTION_UNFILLED, s::REASON_NOT_ON_SHELF);
  const std::string second = moved.current_lender_id();
  ASSERT_FALSE(second.empty());
  ASSERT_NE(second, first);
  ASSERT_EQ(woken.size(), 2u);
  EXPECT_THAT(woken[1], ElementsAre("jkt", second, first));
}

TEST_F(RequestsTest, WarmedLibraryStatsAreServedFromMemory) {
  auto bdg = directory().LibraryViewOf("bdg");
  ASSERT_TRUE(bdg.ok()) << bdg.status();
  ASSERT_TRUE(engine().WarmLibraryStats({*bdg}).ok());

  s::CounterRecord behind;
  behind.set_open_queue(4);
  Batch batch(*core_->store);
  for (const char* lib : {"bdg", "tpi"}) {
    batch.Merge(Cf::kCounters,
                CounterKey(CounterScope::kLibrary, lib, kAllTime), behind);
  }
  ASSERT_TRUE(core_->store->Write(batch).ok());

  RequestRecord request = Command("k-1").payload;
  request.set_pickup_library_id("jkt");
  auto plan = engine().PlanRoute(request);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::map<std::string, int64_t> queued;
  for (const auto& e : plan->rota.ranked) {
    queued[e.library_id()] = e.facts().open_queue();
  }
  EXPECT_EQ(queued.at("bdg"), 0);  // warmed before the write: from memory
  EXPECT_EQ(queued.at("tpi"), 4);  // not warmed: read from the store now
}

TEST_F(RequestsTest, IdempotentResubmitReturnsTheSameRequest) {
  RequestRecord first = MustSubmit("k-1");
  clock_.Advance(absl::Minutes(5));
  auto again = engine().Submit(Command("k-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->request.id(), first.id());
  EXPECT_EQ(again->request.version(), first.version());
  EXPECT_EQ(Trail(first.id()).size(), 2u);
  // No second request was made: the next one gets id 2.
  EXPECT_EQ(MustSubmit("k-2").id(), 2u);
}

TEST_F(RequestsTest, SameKeyDifferentPayloadIsAlreadyExists) {
  RequestRecord first = MustSubmit("k-1");
  SubmitCommand other = Command("k-1");
  other.payload.set_patron_ref("P-000999");
  auto res = engine().Submit(other);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(res.status().message(), HasSubstr("k-1"));
  EXPECT_THAT(res.status().message(), HasSubstr("r-1"));
  // The same key from another library is another key.
  SubmitCommand from_bdg = Command("k-1");
  from_bdg.payload.set_borrower_library_id("bdg");
  auto res2 = engine().Submit(from_bdg);
  ASSERT_TRUE(res2.ok()) << res2.status();
  EXPECT_TRUE(res2->created);
}

TEST_F(RequestsTest, PatronRefMustBeOpaque) {
  for (const char* ref : {"Budi Santoso", "budi@example.id", ""}) {
    SubmitCommand cmd = Command("k-1");
    cmd.payload.set_patron_ref(ref);
    auto res = engine().Submit(cmd);
    EXPECT_EQ(res.status().code(), absl::StatusCode::kInvalidArgument) << ref;
    EXPECT_THAT(res.status().message(), HasSubstr("patron_ref")) << ref;
  }
  // Nothing was written: the first real request is r-1.
  EXPECT_EQ(MustSubmit("k-1").id(), 1u);
}

TEST_F(RequestsTest, SubmitValidatesFields) {
  SubmitCommand no_key = Command("");
  EXPECT_THAT(engine().Submit(no_key).status().message(),
              HasSubstr("idempotency_key"));
  SubmitCommand bad_title = Command("k-1");
  bad_title.payload.set_title_key("isbn:0306406152");
  EXPECT_EQ(engine().Submit(bad_title).status().code(),
            absl::StatusCode::kInvalidArgument);
  SubmitCommand unknown_borrower = Command("k-1");
  unknown_borrower.payload.set_borrower_library_id("nowhere");
  EXPECT_EQ(engine().Submit(unknown_borrower).status().code(),
            absl::StatusCode::kNotFound);
  SubmitCommand bad_pickup = Command("k-1");
  bad_pickup.payload.set_pickup_library_id("nowhere");
  auto res = engine().Submit(bad_pickup);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(res.status().message(), HasSubstr("pickup_library_id"));
}

TEST_F(RequestsTest, UnknownTitleWaitsInRoutingThenRoutesWhenHeld) {
  RequestRecord r = MustSubmit("k-1", s::SERVICE_TYPE_LOAN, kUnknownTitle);
  EXPECT_EQ(r.state(), s::STATE_ROUTING);
  EXPECT_EQ(r.current_lender_id(), "");
  EXPECT_EQ(r.rota_size(), 0);
  EXPECT_EQ(r.timer_kind(), static_cast<uint32_t>(TimerKind::kRoutingRetry));
  EXPECT_EQ(r.timer_due_us(),
            clock_.NowMicros() + absl::ToInt64Microseconds(absl::Hours(1)));

  // Nothing is due yet.
  EXPECT_EQ(MustRunTimers().fired, 0);
  // Tanjung Pinang catalogues it; the hourly retry finds it.
  AddHolding("tpi", kUnknownTitle);
  clock_.Advance(absl::Minutes(61));
  EXPECT_EQ(MustRunTimers().fired, 1);
  RequestRecord routed = MustGet(r.id());
  EXPECT_EQ(routed.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(routed.current_lender_id(), "tpi");
  EXPECT_THAT(Actions(Trail(r.id())),
              ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE, s::ACTION_ROUTE));
}

TEST_F(RequestsTest, UnknownTitleGivesUpAsUnfilledNoHolders) {
  RequestRecord r = MustSubmit("k-1", s::SERVICE_TYPE_LOAN, kUnknownTitle);
  ASSERT_EQ(r.state(), s::STATE_ROUTING);
  clock_.Advance(absl::Hours(73));
  EXPECT_EQ(MustRunTimers().fired, 1);
  RequestRecord done = MustGet(r.id());
  EXPECT_EQ(done.state(), s::STATE_UNFILLED);
  EXPECT_EQ(done.last_reason(), s::REASON_NO_HOLDERS);
  EXPECT_EQ(done.timer_kind(), 0u);
}

TEST_F(RequestsTest, FullLoanLife) {
  const uint64_t id = MustSubmit("k-1").id();
  std::vector<uint64_t> versions = {MustGet(id).version()};
  auto step = [&](const std::string& actor, Action action, State want) {
    clock_.Advance(absl::Hours(2));
    RequestRecord r = MustAct(id, actor, action);
    EXPECT_EQ(r.state(), want) << fsm::ActionName(action);
    versions.push_back(r.version());
    return r;
  };
  step("bdg", s::ACTION_WILL_SUPPLY, s::STATE_WILL_SUPPLY);
  step("bdg", s::ACTION_SHIP, s::STATE_SHIPPED);
  step("jkt", s::ACTION_RECEIVE, s::STATE_RECEIVED);
  RequestRecord out = step("jkt", s::ACTION_CHECK_OUT, s::STATE_ON_LOAN);
  // Bandung lends for 14 days.
  EXPECT_EQ(out.due_date_us(), clock_.NowMicros() + absl::ToInt64Microseconds(
                                                        absl::Hours(24 * 14)));
  step("jkt", s::ACTION_REQUEST_RENEWAL, s::STATE_RENEWAL_REQUESTED);
  RequestRecord renewed =
      step("bdg", s::ACTION_APPROVE_RENEWAL, s::STATE_ON_LOAN);
  EXPECT_EQ(renewed.renewals(), 1);
  EXPECT_EQ(
      renewed.due_date_us(),
      out.due_date_us() + absl::ToInt64Microseconds(absl::Hours(24 * 14)));
  step("jkt", s::ACTION_SHIP_RETURN, s::STATE_RETURN_SHIPPED);
  RequestRecord done = step("bdg", s::ACTION_CHECK_IN, s::STATE_COMPLETE);
  EXPECT_EQ(done.current_lender_id(), "bdg");
  EXPECT_EQ(done.timer_kind(), 0u);

  for (size_t i = 1; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i], versions[i - 1] + 1);
  }
  std::vector<AuditRecord> trail = Trail(id);
  EXPECT_THAT(
      Actions(trail),
      ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE, s::ACTION_WILL_SUPPLY,
                  s::ACTION_SHIP, s::ACTION_RECEIVE, s::ACTION_CHECK_OUT,
                  s::ACTION_REQUEST_RENEWAL, s::ACTION_APPROVE_RENEWAL,
                  s::ACTION_SHIP_RETURN, s::ACTION_CHECK_IN));
  ASSERT_EQ(trail.size(), 10u);
  for (size_t i = 0; i < trail.size(); ++i) {
    EXPECT_EQ(trail[i].seq(), i + 1);
    EXPECT_EQ(trail[i].request_id(), id);
    if (i > 0) {
      EXPECT_GE(trail[i].version(), trail[i - 1].version());
      EXPECT_GE(trail[i].at_us(), trail[i - 1].at_us());
      // Each event starts where the one before it ended.
      EXPECT_EQ(trail[i].from_state(), trail[i - 1].to_state());
    }
  }
  // One version per command: submit+route share version 1.
  EXPECT_EQ(trail[0].version(), 1u);
  EXPECT_EQ(trail[1].version(), 1u);
  EXPECT_EQ(trail[2].version(), 2u);
  EXPECT_EQ(trail.back().version(), done.version());
  EXPECT_EQ(trail.back().to_state(), s::STATE_COMPLETE);
  EXPECT_EQ(done.audit_seq(), 10u);

  // Nobody has anything left to do.
  EXPECT_TRUE(MustTasks("jkt").empty());
  EXPECT_TRUE(MustTasks("bdg").empty());
}

TEST_F(RequestsTest, CopyRequestCompletesOnReceipt) {
  const uint64_t id = MustSubmit("k-1", s::SERVICE_TYPE_COPY).id();
  EXPECT_EQ(MustAct(id, "bdg", s::ACTION_SHIP).state(), s::STATE_SHIPPED);
  RequestRecord done = MustAct(id, "jkt", s::ACTION_RECEIVE);
  EXPECT_EQ(done.state(), s::STATE_COMPLETE);
  EXPECT_EQ(done.service_type(), s::SERVICE_TYPE_COPY);
  // No loan leg for a copy.
  auto out = Act(id, "jkt", s::ACTION_CHECK_OUT);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Actions(Trail(id)),
              ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE, s::ACTION_SHIP,
                          s::ACTION_RECEIVE));
}

TEST_F(RequestsTest, UnfilledMovesDownTheRotaUntilExhausted) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord r = MustAct(id, "bdg", s::ACTION_UNFILLED, s::REASON_NOT_HELD);
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.current_lender_id(), "tpi");
  EXPECT_EQ(r.rota_position(), 1);
  EXPECT_EQ(r.rota(0).outcome(), s::REASON_NOT_HELD);
  EXPECT_NE(r.response_deadline_us(), 0);
  // Bandung no longer has it to act on; Tanjung Pinang does.
  EXPECT_TRUE(MustTasks("bdg").empty());
  ASSERT_EQ(MustTasks("tpi").size(), 1u);

  r = MustAct(id, "tpi", s::ACTION_UNFILLED, s::REASON_NOT_ON_SHELF);
  EXPECT_EQ(r.current_lender_id(), "tmh");
  r = MustAct(id, "tmh", s::ACTION_UNFILLED, s::REASON_POOR_CONDITION);
  EXPECT_EQ(r.state(), s::STATE_UNFILLED);
  EXPECT_EQ(r.last_reason(), s::REASON_ROTA_EXHAUSTED);
  EXPECT_EQ(r.current_lender_id(), "");
  EXPECT_EQ(r.response_deadline_us(), 0);
  EXPECT_EQ(r.timer_kind(), 0u);
  EXPECT_EQ(r.rota(2).outcome(), s::REASON_POOR_CONDITION);
  EXPECT_TRUE(MustTasks("tmh").empty());

  std::vector<AuditRecord> trail = Trail(id);
  ASSERT_GE(trail.size(), 2u);
  const AuditRecord& said = trail[trail.size() - 2];
  EXPECT_EQ(said.action(), s::ACTION_UNFILLED);
  EXPECT_EQ(said.lender_id(), "tmh");
  EXPECT_EQ(said.to_state(), s::STATE_UNFILLED);
  EXPECT_EQ(trail.back().action(), s::ACTION_ROUTE);
  EXPECT_EQ(trail.back().reason(), s::REASON_ROTA_EXHAUSTED);

  // Unfilled is not a dead end for the borrower.
  std::vector<Task> tasks = MustTasks("jkt");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_THAT(tasks[0].actions, ElementsAre(s::ACTION_REREQUEST));
}

TEST_F(RequestsTest, UnfilledNeedsAnUnfilledReason) {
  const uint64_t id = MustSubmit("k-1").id();
  auto r = Act(id, "bdg", s::ACTION_UNFILLED, s::REASON_ON_LOAN);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("reason"));
  EXPECT_EQ(MustGet(id).version(), 1u);
}

TEST_F(RequestsTest, RetryPossibleRequeuesTheLenderAtTheEndOnce) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord r =
      MustAct(id, "bdg", s::ACTION_RETRY_POSSIBLE, s::REASON_ON_LOAN);
  EXPECT_EQ(r.current_lender_id(), "tpi");
  EXPECT_THAT(RotaIds(r), ElementsAre("bdg", "tpi", "tmh", "bdg"));
  EXPECT_TRUE(r.rota(3).retry_entry());
  EXPECT_EQ(r.rota(3).rank(), 4);
  EXPECT_EQ(r.rota(0).outcome(), s::REASON_ON_LOAN);
  // The retry says why it is there, then what the first ask said.
  EXPECT_EQ(ExplainRanked(r.rota(3)),
            absl::StrCat("retry after ON_LOAN; ", ExplainRanked(r.rota(0))));

  MustAct(id, "tpi", s::ACTION_UNFILLED, s::REASON_NOT_HELD);
  r = MustAct(id, "tmh", s::ACTION_UNFILLED, s::REASON_NOT_HELD);
  // Back to Bandung, at the end of the rota.
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.current_lender_id(), "bdg");
  EXPECT_EQ(r.rota_position(), 3);

  // A second "try later" is not queued again: the rota is exhausted.
  r = MustAct(id, "bdg", s::ACTION_RETRY_POSSIBLE, s::REASON_AT_BINDERY);
  EXPECT_EQ(r.rota_size(), 4);
  EXPECT_EQ(r.state(), s::STATE_UNFILLED);
  EXPECT_EQ(r.last_reason(), s::REASON_ROTA_EXHAUSTED);
}

TEST_F(RequestsTest, StaleVersionIsAbortedAndWritesNothing) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord r = MustAct(id, "bdg", s::ACTION_WILL_SUPPLY);
  ASSERT_EQ(r.version(), 2u);
  const size_t trail_before = Trail(id).size();

  ActCommand cmd;
  cmd.request_id = id;
  cmd.expected_version = 1;  // what the lender saw before WILL_SUPPLY
  cmd.actor_library_id = "bdg";
  cmd.action = s::ACTION_SHIP;
  auto res = engine().Act(cmd);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(res.status().message(), HasSubstr("version 2"));
  EXPECT_THAT(res.status().message(), HasSubstr("WILL_SUPPLY"));
  EXPECT_THAT(res.status().message(), HasSubstr("r-1"));

  RequestRecord after = MustGet(id);
  EXPECT_EQ(after.version(), 2u);
  EXPECT_EQ(after.state(), s::STATE_WILL_SUPPLY);
  EXPECT_EQ(Trail(id).size(), trail_before);
}

TEST_F(RequestsTest, IllegalActionIsFailedPreconditionNamingTheState) {
  const uint64_t id = MustSubmit("k-1").id();
  auto res = Act(id, "jkt", s::ACTION_RECEIVE);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(res.status().message(), HasSubstr("SENT_TO_LENDER"));
  EXPECT_THAT(res.status().message(), HasSubstr("RECEIVE"));
  auto check_in = Act(id, "bdg", s::ACTION_CHECK_IN);
  EXPECT_EQ(check_in.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MustGet(id).version(), 1u);
  EXPECT_EQ(Trail(id).size(), 2u);
}

TEST_F(RequestsTest, WrongLibraryIsPermissionDenied) {
  const uint64_t id = MustSubmit("k-1").id();
  // Tomohon is in the rota but has not been asked.
  auto res = Act(id, "tmh", s::ACTION_WILL_SUPPLY);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(res.status().message(), HasSubstr("tmh"));
  // A lender that already passed it on may no longer act.
  MustAct(id, "bdg", s::ACTION_UNFILLED, s::REASON_NOT_HELD);
  auto late = Act(id, "bdg", s::ACTION_SHIP);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RequestsTest, LenderDoingABorrowerActionIsPermissionDenied) {
  const uint64_t id = MustSubmit("k-1").id();
  auto res = Act(id, "bdg", s::ACTION_CANCEL);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(res.status().message(), HasSubstr("LENDER"));
  // And the other way round.
  auto borrower = Act(id, "jkt", s::ACTION_WILL_SUPPLY);
  EXPECT_EQ(borrower.status().code(), absl::StatusCode::kPermissionDenied);
  // System actions are nobody's to send.
  auto timeout = Act(id, "jkt", s::ACTION_TIMEOUT);
  EXPECT_EQ(timeout.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(MustGet(id).version(), 1u);
}

TEST_F(RequestsTest, ActIdempotencyKeyReplayDoesNotApplyTwice) {
  const uint64_t id = MustSubmit("k-1").id();
  ActCommand cmd;
  cmd.request_id = id;
  cmd.expected_version = 1;
  cmd.actor_library_id = "bdg";
  cmd.action = s::ACTION_UNFILLED;
  cmd.reason = s::REASON_NOT_HELD;
  cmd.idempotency_key = "bdg-answer-1";
  auto first = engine().Act(cmd);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->current_lender_id(), "tpi");
  const size_t trail = Trail(id).size();

  // The reply was lost; the lender sends the very same command again.
  auto replay = engine().Act(cmd);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->version(), first->version());
  EXPECT_EQ(replay->current_lender_id(), "tpi");
  EXPECT_EQ(replay->rota_position(), 1);
  EXPECT_EQ(Trail(id).size(), trail);

  // The same key for a different action is refused.
  cmd.reason = s::REASON_NOT_ON_SHELF;
  auto other = engine().Act(cmd);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(MustGet(id).version(), first->version());
}

TEST_F(RequestsTest, ResponseDeadlineTimesOutToTheNextLender) {
  const uint64_t id = MustSubmit("k-1").id();
  const int64_t deadline = MustGet(id).response_deadline_us();
  // A minute before the deadline nothing happens.
  clock_.Set(absl::FromUnixMicros(deadline) - absl::Minutes(1));
  EXPECT_EQ(MustRunTimers().fired, 0);
  EXPECT_EQ(MustGet(id).current_lender_id(), "bdg");

  clock_.Set(absl::FromUnixMicros(deadline) + absl::Minutes(1));
  RequestEngine::TimerSweep sweep = MustRunTimers();
  EXPECT_EQ(sweep.fired, 1);
  RequestRecord r = MustGet(id);
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.current_lender_id(), "tpi");
  EXPECT_EQ(r.rota(0).outcome(), s::REASON_DEADLINE_PASSED);
  EXPECT_GT(r.response_deadline_us(), clock_.NowMicros());

  std::vector<AuditRecord> trail = Trail(id);
  EXPECT_THAT(Actions(trail), ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE,
                                          s::ACTION_TIMEOUT, s::ACTION_ROUTE));
  ASSERT_EQ(trail.size(), 4u);
  EXPECT_EQ(trail[2].role(), s::ROLE_SYSTEM);
  EXPECT_EQ(trail[2].lender_id(), "bdg");
  EXPECT_EQ(trail[2].reason(), s::REASON_DEADLINE_PASSED);
  EXPECT_EQ(trail[3].lender_id(), "tpi");

  // The fired timer is gone: a second sweep does nothing.
  EXPECT_EQ(MustRunTimers().seen, 0);
}

TEST_F(RequestsTest, TimerSurvivesRestart) {
  const uint64_t id = MustSubmit("k-1").id();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  clock_.Advance(absl::Hours(24 * 8));
  EXPECT_EQ(MustRunTimers().fired, 1);
  RequestRecord r = MustGet(id);
  EXPECT_EQ(r.current_lender_id(), "tpi");
  EXPECT_THAT(Actions(Trail(id)),
              ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE, s::ACTION_TIMEOUT,
                          s::ACTION_ROUTE));
  // The reopened engine continues the id sequence.
  EXPECT_EQ(MustSubmit("k-2").id(), id + 1);
}

TEST_F(RequestsTest, ShippedRequestDoesNotTimeOut) {
  const uint64_t id = MustSubmit("k-1").id();
  MustAct(id, "bdg", s::ACTION_WILL_SUPPLY);
  MustAct(id, "bdg", s::ACTION_SHIP);
  clock_.Advance(absl::Hours(24 * 30));
  EXPECT_EQ(MustRunTimers().fired, 0);
  EXPECT_EQ(MustGet(id).state(), s::STATE_SHIPPED);
}

TEST_F(RequestsTest, UnkeptPromiseToSupplyMovesOn) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord promised = MustAct(id, "bdg", s::ACTION_WILL_SUPPLY);
  ASSERT_GT(promised.response_deadline_us(), 0);
  clock_.Set(absl::FromUnixMicros(promised.response_deadline_us()) -
             absl::Minutes(1));
  EXPECT_EQ(MustRunTimers().fired, 0);
  clock_.Set(absl::FromUnixMicros(promised.response_deadline_us()) +
             absl::Minutes(1));
  EXPECT_EQ(MustRunTimers().fired, 1);
  RequestRecord r = MustGet(id);
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_NE(r.current_lender_id(), "bdg");
  EXPECT_EQ(r.rota(0).outcome(), s::REASON_DEADLINE_PASSED);
}

TEST_F(RequestsTest, PendingRenewalDoesNotStopTheOverdueTimer) {
  const uint64_t id = MustSubmit("k-1").id();
  MustAct(id, "bdg", s::ACTION_SHIP);
  MustAct(id, "jkt", s::ACTION_RECEIVE);
  RequestRecord out = MustAct(id, "jkt", s::ACTION_CHECK_OUT);
  MustAct(id, "jkt", s::ACTION_REQUEST_RENEWAL);
  clock_.Set(absl::FromUnixMicros(out.due_date_us()) + absl::Hours(1));
  EXPECT_EQ(MustRunTimers().fired, 1);
  EXPECT_EQ(MustGet(id).state(), s::STATE_OVERDUE);
}

TEST_F(RequestsTest, OverdueAfterDueDate) {
  const uint64_t id = MustSubmit("k-1").id();
  MustAct(id, "bdg", s::ACTION_SHIP);
  MustAct(id, "jkt", s::ACTION_RECEIVE);
  RequestRecord out = MustAct(id, "jkt", s::ACTION_CHECK_OUT);
  ASSERT_EQ(out.state(), s::STATE_ON_LOAN);
  EXPECT_EQ(out.timer_kind(), static_cast<uint32_t>(TimerKind::kDueDate));

  clock_.Set(absl::FromUnixMicros(out.due_date_us()) - absl::Hours(1));
  EXPECT_EQ(MustRunTimers().fired, 0);
  EXPECT_EQ(MustGet(id).state(), s::STATE_ON_LOAN);

  clock_.Set(absl::FromUnixMicros(out.due_date_us()) + absl::Hours(1));
  EXPECT_EQ(MustRunTimers().fired, 1);
  RequestRecord r = MustGet(id);
  EXPECT_EQ(r.state(), s::STATE_OVERDUE);
  EXPECT_EQ(r.timer_kind(), 0u);
  EXPECT_EQ(Trail(id).back().action(), s::ACTION_MARK_OVERDUE);
  EXPECT_EQ(Trail(id).back().role(), s::ROLE_SYSTEM);
  // The borrower can still send it back.
  EXPECT_EQ(MustAct(id, "jkt", s::ACTION_SHIP_RETURN).state(),
            s::STATE_RETURN_SHIPPED);
}

TEST_F(RequestsTest, ListByBorrowerNewestFirstWithPagesAndStateFilter) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= 5; ++i) {
    ids.push_back(MustSubmit("k-" + std::to_string(i)).id());
    clock_.Advance(absl::Minutes(1));
  }
  // Cancel r-2 and r-4 (pending the lender's confirmation).
  MustAct(ids[1], "jkt", s::ACTION_CANCEL);
  MustAct(ids[3], "jkt", s::ACTION_CANCEL);

  auto list_ids = [](const Page<RequestRecord>& page) {
    std::vector<uint64_t> out;
    for (const auto& r : page.items) out.push_back(r.id());
    return out;
  };
  ListQuery q;
  q.borrower_library_id = "jkt";
  q.page_size = 2;
  auto p1 = engine().List(q);
  ASSERT_TRUE(p1.ok()) << p1.status();
  EXPECT_THAT(list_ids(*p1), ElementsAre(5, 4));
  ASSERT_FALSE(p1->next_token.empty());
  q.page_token = p1->next_token;
  auto p2 = engine().List(q);
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_THAT(list_ids(*p2), ElementsAre(3, 2));
  ASSERT_FALSE(p2->next_token.empty());
  q.page_token = p2->next_token;
  auto p3 = engine().List(q);
  ASSERT_TRUE(p3.ok()) << p3.status();
  EXPECT_THAT(list_ids(*p3), ElementsAre(1));
  EXPECT_TRUE(p3->next_token.empty());

  ListQuery pending;
  pending.borrower_library_id = "jkt";
  pending.states = {s::STATE_CANCEL_PENDING};
  auto cp = engine().List(pending);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_THAT(list_ids(*cp), ElementsAre(4, 2));

  ListQuery sent;
  sent.borrower_library_id = "jkt";
  sent.states = {s::STATE_SENT_TO_LENDER};
  sent.page_size = 2;
  auto s1 = engine().List(sent);
  ASSERT_TRUE(s1.ok()) << s1.status();
  EXPECT_THAT(list_ids(*s1), ElementsAre(5, 3));
  sent.page_token = s1->next_token;
  auto s2 = engine().List(sent);
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_THAT(list_ids(*s2), ElementsAre(1));
  EXPECT_TRUE(s2->next_token.empty());

  // A lender sees, newest first, what it was asked; another borrower sees
  // nothing.
  const std::string asked = MustGet(ids[0]).current_lender_id();
  std::vector<uint64_t> want_asked;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    if (MustGet(*it).current_lender_id() == asked) want_asked.push_back(*it);
  }
  ListQuery lender;
  lender.lender_library_id = asked;
  auto by_lender = engine().List(lender);
  ASSERT_TRUE(by_lender.ok()) << by_lender.status();
  EXPECT_THAT(list_ids(*by_lender), ElementsAreArray(want_asked));
  EXPECT_EQ(want_asked.back(), ids[0]);
  ListQuery other;
  other.borrower_library_id = "tpi";
  auto none = engine().List(other);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());

  ListQuery both;
  both.borrower_library_id = "jkt";
  both.lender_library_id = "bdg";
  EXPECT_EQ(engine().List(both).status().code(),
            absl::StatusCode::kInvalidArgument);
  ListQuery foreign = q;
  foreign.borrower_library_id = "tpi";
  EXPECT_EQ(engine().List(foreign).status().code(),
            absl::StatusCode::kInvalidArgument);  // token from another query
}

TEST_F(RequestsTest, TasksShowTheRightRoleAndActions) {
  const uint64_t id = MustSubmit("k-1").id();
  std::vector<Task> lender = MustTasks("bdg");
  ASSERT_EQ(lender.size(), 1u);
  EXPECT_EQ(lender[0].request.id(), id);
  EXPECT_EQ(lender[0].role, s::ROLE_LENDER);
  EXPECT_THAT(lender[0].actions,
              UnorderedElementsAre(s::ACTION_WILL_SUPPLY, s::ACTION_UNFILLED,
                                   s::ACTION_RETRY_POSSIBLE, s::ACTION_SHIP));
  std::vector<Task> borrower = MustTasks("jkt");
  ASSERT_EQ(borrower.size(), 1u);
  EXPECT_EQ(borrower[0].role, s::ROLE_BORROWER);
  EXPECT_THAT(borrower[0].actions, ElementsAre(s::ACTION_CANCEL));
  // Libraries further down the rota have nothing yet.
  EXPECT_TRUE(MustTasks("tpi").empty());
  EXPECT_TRUE(MustTasks("tmh").empty());

  MustAct(id, "bdg", s::ACTION_SHIP);
  borrower = MustTasks("jkt");
  ASSERT_EQ(borrower.size(), 1u);
  EXPECT_THAT(borrower[0].actions,
              UnorderedElementsAre(s::ACTION_RECEIVE, s::ACTION_MARK_LOST));
}

TEST_F(RequestsTest, TasksPaginate) {
  // The borrower may cancel each of its three open requests.
  for (int i = 1; i <= 3; ++i) MustSubmit("k-" + std::to_string(i));
  auto p1 = engine().Tasks("jkt", 2, "");
  ASSERT_TRUE(p1.ok()) << p1.status();
  ASSERT_EQ(p1->items.size(), 2u);
  EXPECT_EQ(p1->items[0].request.id(), 1u);
  EXPECT_EQ(p1->items[1].request.id(), 2u);
  ASSERT_FALSE(p1->next_token.empty());
  auto p2 = engine().Tasks("jkt", 2, p1->next_token);
  ASSERT_TRUE(p2.ok()) << p2.status();
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].request.id(), 3u);
  EXPECT_TRUE(p2->next_token.empty());
}

TEST_F(RequestsTest, CancelWhileWithLenderNeedsTheLendersConfirmation) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord r = MustAct(id, "jkt", s::ACTION_CANCEL);
  EXPECT_EQ(r.state(), s::STATE_CANCEL_PENDING);
  EXPECT_EQ(r.current_lender_id(), "bdg");
  EXPECT_NE(r.response_deadline_us(), 0);
  std::vector<Task> lender = MustTasks("bdg");
  ASSERT_EQ(lender.size(), 1u);
  EXPECT_THAT(lender[0].actions, UnorderedElementsAre(s::ACTION_CONFIRM_CANCEL,
                                                      s::ACTION_REJECT_CANCEL));
  EXPECT_TRUE(MustTasks("jkt").empty());

  r = MustAct(id, "bdg", s::ACTION_CONFIRM_CANCEL);
  EXPECT_EQ(r.state(), s::STATE_CANCELLED);
  EXPECT_EQ(r.current_lender_id(), "");
  EXPECT_EQ(r.timer_kind(), 0u);
  EXPECT_TRUE(MustTasks("bdg").empty());
  EXPECT_TRUE(MustTasks("jkt").empty());
  EXPECT_THAT(Actions(Trail(id)),
              ElementsAre(s::ACTION_SUBMIT, s::ACTION_ROUTE, s::ACTION_CANCEL,
                          s::ACTION_CONFIRM_CANCEL));
}

TEST_F(RequestsTest, UnansweredCancelIsConfirmedByTheDeadline) {
  const uint64_t id = MustSubmit("k-1").id();
  RequestRecord r = MustAct(id, "jkt", s::ACTION_CANCEL);
  clock_.Set(absl::FromUnixMicros(r.response_deadline_us()) + absl::Minutes(1));
  EXPECT_EQ(MustRunTimers().fired, 1);
  EXPECT_EQ(MustGet(id).state(), s::STATE_CANCELLED);
  EXPECT_EQ(Trail(id).back().action(), s::ACTION_TIMEOUT);
}

TEST_F(RequestsTest, LenderThatAlreadyShippedRejectsTheCancel) {
  const uint64_t id = MustSubmit("k-1").id();
  MustAct(id, "bdg", s::ACTION_WILL_SUPPLY);
  ASSERT_EQ(MustAct(id, "jkt", s::ACTION_CANCEL).state(),
            s::STATE_CANCEL_PENDING);
  RequestRecord r = MustAct(id, "bdg", s::ACTION_REJECT_CANCEL);
  EXPECT_EQ(r.state(), s::STATE_SHIPPED);
  EXPECT_EQ(r.timer_kind(), 0u);
  EXPECT_EQ(MustAct(id, "jkt", s::ACTION_RECEIVE).state(), s::STATE_RECEIVED);
}

TEST_F(RequestsTest, CancelBeforeAnyLenderIsImmediate) {
  const uint64_t id =
      MustSubmit("k-1", s::SERVICE_TYPE_LOAN, kUnknownTitle).id();
  RequestRecord r = MustAct(id, "jkt", s::ACTION_CANCEL);
  EXPECT_EQ(r.state(), s::STATE_CANCELLED);
  EXPECT_EQ(r.timer_kind(), 0u);
  // The routing retry timer went with it.
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(MustRunTimers().seen, 0);
}

TEST_F(RequestsTest, RerequestRoutesAgain) {
  const uint64_t id = MustSubmit("k-1").id();
  MustAct(id, "bdg", s::ACTION_UNFILLED, s::REASON_NOT_ON_SHELF);
  MustAct(id, "tpi", s::ACTION_UNFILLED, s::REASON_NOT_ON_SHELF);
  ASSERT_EQ(
      MustAct(id, "tmh", s::ACTION_UNFILLED, s::REASON_NOT_ON_SHELF).state(),
      s::STATE_UNFILLED);
  clock_.Advance(absl::Hours(24));
  RequestRecord r = MustAct(id, "jkt", s::ACTION_REREQUEST);
  EXPECT_EQ(r.state(), s::STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.current_lender_id(), "bdg");
  EXPECT_EQ(r.rota_position(), 0);
}

TEST_F(RequestsTest, GetAndAuditTrailOfUnknownRequestAreNotFound) {
  EXPECT_EQ(engine().Get(99).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine().AuditTrail(99).status().code(),
            absl::StatusCode::kNotFound);
  auto res = Act(99, "jkt", s::ACTION_CANCEL);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace silang
