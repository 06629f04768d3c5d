// AgentService over a real server: the whole life of a loan through the
// API, the work lists, and every way Act refuses, each of which must leave
// the request and its audit trail exactly as they were.
#include <string>

#include "google/protobuf/util/time_util.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using AgentServiceTest = ServiceTest;
using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp At(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// Acts, asserting success; `out` gets the request as the call left it.
#define ACT_OK(out, ...)                                        \
  do {                                                          \
    grpc::Status act_status = Act(__VA_ARGS__, &(out));         \
    ASSERT_TRUE(act_status.ok()) << act_status.error_message(); \
  } while (0)

TEST_F(AgentServiceTest, FullLoanLifeThroughTheApi) {
  v1::Request r = Submit("k1");
  ASSERT_EQ(r.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  ASSERT_EQ(r.current_lender_id(), "BDG");
  ASSERT_TRUE(r.has_response_deadline());

  clock_.Advance(absl::Hours(2));
  ACT_OK(r, r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY);
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_WILL_SUPPLY);
  EXPECT_EQ(r.iso18626_status(), "WillSupply");
  // Answered; now it must ship within its response time again.
  EXPECT_TRUE(r.has_response_deadline());

  clock_.Advance(absl::Hours(3));
  v1::ActRequest ship;
  ship.set_request_id(r.id());
  ship.set_expected_version(r.version());
  ship.set_actor_library_id("BDG");
  ship.set_action(v1::ACTION_SHIP);
  ship.set_tracking_ref("JNE-0012345678");
  ASSERT_TRUE(Act(ship, &r).ok());
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_SHIPPED);
  EXPECT_EQ(r.tracking_ref(), "JNE-0012345678");
  EXPECT_EQ(r.iso18626_status(), "Loaned");

  clock_.Advance(absl::Hours(48));
  ACT_OK(r, r.id(), r.version(), "JKT", v1::ACTION_RECEIVE);
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_RECEIVED);

  // A due date in the past is refused and writes nothing.
  Snapshot received = SnapshotOf(r.id());
  v1::ActRequest check_out;
  check_out.set_request_id(r.id());
  check_out.set_expected_version(r.version());
  check_out.set_actor_library_id("JKT");
  check_out.set_action(v1::ACTION_CHECK_OUT);
  *check_out.mutable_due_date() = At(clock_.Now() - absl::Hours(1));
  v1::Request refused;
  EXPECT_TRUE(HasStatus(Act(check_out, &refused),
                        grpc::StatusCode::INVALID_ARGUMENT, "due_date"));
  EXPECT_EQ(SnapshotOf(r.id()), received);

  clock_.Advance(absl::Hours(1));
  const absl::Time due = clock_.Now() + absl::Hours(24 * 21);
  *check_out.mutable_due_date() = At(due);
  ASSERT_TRUE(Act(check_out, &r).ok());
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_ON_LOAN);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(r.due_date()),
            absl::ToUnixMicros(due));

  clock_.Advance(absl::Hours(24 * 20));
  v1::RenewRequestRequest renew;
  renew.set_request_id(r.id());
  renew.set_expected_version(r.version());
  renew.set_actor_library_id("JKT");
  renew.set_note("patron needs two more weeks");
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::RenewRequest, renew, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_RENEWAL_REQUESTED);

  const absl::Time renewed_due = due + absl::Hours(24 * 14);
  v1::ActRequest approve;
  approve.set_request_id(r.id());
  approve.set_expected_version(r.version());
  approve.set_actor_library_id("BDG");
  approve.set_action(v1::ACTION_APPROVE_RENEWAL);
  *approve.mutable_due_date() = At(renewed_due);
  ASSERT_TRUE(Act(approve, &r).ok());
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_ON_LOAN);
  EXPECT_EQ(r.renewals(), 1);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(r.due_date()),
            absl::ToUnixMicros(renewed_due));

  clock_.Advance(absl::Hours(24 * 10));
  v1::ActRequest ship_return;
  ship_return.set_request_id(r.id());
  ship_return.set_expected_version(r.version());
  ship_return.set_actor_library_id("JKT");
  ship_return.set_action(v1::ACTION_SHIP_RETURN);
  ship_return.set_tracking_ref("POS-RR998877");
  ASSERT_TRUE(Act(ship_return, &r).ok());
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_RETURN_SHIPPED);
  EXPECT_EQ(r.tracking_ref(), "POS-RR998877");

  clock_.Advance(absl::Hours(48));
  ACT_OK(r, r.id(), r.version(), "BDG", v1::ACTION_CHECK_IN);
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_COMPLETE);
  EXPECT_EQ(r.iso18626_status(), "LoanCompleted");
  EXPECT_EQ(r.version(), 9u);

  // The audit trail holds every step, in order, each from where the last
  // one left the request.
  v1::AuditTrail trail;
  s = Audit(r.id(), &trail);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(trail.request().version(), r.version());
  EXPECT_EQ(trail.request().state(), v1::REQUEST_STATE_COMPLETE);
  std::vector<v1::Action> actions;
  for (const auto& e : trail.events()) actions.push_back(e.action());
  EXPECT_THAT(
      actions,
      ElementsAre(v1::ACTION_SUBMIT, v1::ACTION_ROUTE, v1::ACTION_WILL_SUPPLY,
                  v1::ACTION_SHIP, v1::ACTION_RECEIVE, v1::ACTION_CHECK_OUT,
                  v1::ACTION_REQUEST_RENEWAL, v1::ACTION_APPROVE_RENEWAL,
                  v1::ACTION_SHIP_RETURN, v1::ACTION_CHECK_IN));
  ASSERT_EQ(trail.events_size(), 10);
  EXPECT_EQ(trail.events(0).from_state(), v1::REQUEST_STATE_UNSPECIFIED);
  EXPECT_EQ(trail.events(0).to_state(), v1::REQUEST_STATE_SUBMITTED);
  EXPECT_EQ(trail.events(0).role(), v1::ROLE_BORROWER);
  EXPECT_EQ(trail.events(0).actor_library_id(), "JKT");
  EXPECT_EQ(trail.events(1).role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(trail.events(1).actor_library_id(), "");
  EXPECT_EQ(trail.events(1).lender_id(), "BDG");
  EXPECT_EQ(trail.events(6).note(), "patron needs two more weeks");
  EXPECT_EQ(trail.events(9).role(), v1::ROLE_LENDER);
  EXPECT_EQ(trail.events(9).to_state(), v1::REQUEST_STATE_COMPLETE);
  for (int i = 0; i < trail.events_size(); ++i) {
    const v1::AuditEvent& e = trail.events(i);
    SCOPED_TRACE(i);
    EXPECT_EQ(e.request_id(), r.id());
    EXPECT_EQ(e.seq(), static_cast<uint32_t>(i + 1));
    // Submit and its routing commit together as version 1.
    EXPECT_EQ(e.version(), i < 2 ? 1u : static_cast<uint64_t>(i));
    if (i > 0) {
      EXPECT_EQ(e.from_state(), trail.events(i - 1).to_state());
      EXPECT_GE(TimeUtil::TimestampToMicroseconds(e.at()),
                TimeUtil::TimestampToMicroseconds(trail.events(i - 1).at()));
    }
  }

  // Done: it is on nobody's work list.
  for (const char* lib : {"JKT", "BDG"}) {
    v1::ListTasksRequest req;
    req.set_library_id(lib);
    v1::ListTasksResponse tasks;
    ASSERT_TRUE(
        Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks).ok());
    EXPECT_THAT(tasks.tasks(), IsEmpty()) << lib;
  }
}

TEST_F(AgentServiceTest, ListTasksShowsEachSideItsActions) {
  v1::Request r = Submit("k1");
  v1::ListTasksRequest req;
  req.set_library_id("BDG");
  v1::ListTasksResponse tasks;
  grpc::Status s =
      Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).request().id(), r.id());
  EXPECT_EQ(tasks.tasks(0).role(), v1::ROLE_LENDER);
  EXPECT_THAT(tasks.tasks(0).actions(),
              ElementsAre(v1::ACTION_WILL_SUPPLY, v1::ACTION_UNFILLED,
                          v1::ACTION_RETRY_POSSIBLE, v1::ACTION_SHIP));
  EXPECT_EQ(tasks.next_page_token(), "");

  req.set_library_id("JKT");
  ASSERT_TRUE(
      Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).role(), v1::ROLE_BORROWER);
  EXPECT_THAT(tasks.tasks(0).actions(), ElementsAre(v1::ACTION_CANCEL));

  // Later lenders in the rota have nothing to do yet.
  req.set_library_id("TPG");
  ASSERT_TRUE(
      Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks).ok());
  EXPECT_EQ(tasks.tasks_size(), 0);

  // After WILL_SUPPLY the lender's choices narrow.
  v1::Request out;
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());
  req.set_library_id("BDG");
  ASSERT_TRUE(
      Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).request().version(), 2u);
  EXPECT_THAT(tasks.tasks(0).actions(),
              ElementsAre(v1::ACTION_UNFILLED, v1::ACTION_SHIP));
}

TEST_F(AgentServiceTest, ListTasksPagesAndRejectsBadPaging) {
  Submit("k1");
  Submit("k2");
  v1::ListTasksRequest req;
  req.set_library_id("BDG");
  req.set_page_size(1);
  std::vector<std::string> ids;
  for (int pages = 1;; ++pages) {
    ASSERT_LE(pages, 2);
    v1::ListTasksResponse tasks;
    grpc::Status s =
        Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(tasks.tasks_size(), 1);
    ids.push_back(tasks.tasks(0).request().id());
    if (tasks.next_page_token().empty()) break;
    req.set_page_token(tasks.next_page_token());
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("r-1", "r-2"));

  v1::ListTasksResponse tasks;
  req.set_page_token("");
  req.set_page_size(501);
  EXPECT_TRUE(
      HasStatus(Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks),
                grpc::StatusCode::RESOURCE_EXHAUSTED, "page_size"));
  req.set_page_size(-1);
  EXPECT_TRUE(
      HasStatus(Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks),
                grpc::StatusCode::INVALID_ARGUMENT, "page_size"));
  req.set_page_size(0);
  req.set_page_token("not a token");
  EXPECT_TRUE(
      HasStatus(Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks),
                grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
  req.set_page_token("");
  req.set_library_id("");
  EXPECT_TRUE(
      HasStatus(Call(*agent_, &v1::AgentService::Stub::ListTasks, req, &tasks),
                grpc::StatusCode::INVALID_ARGUMENT, "library_id"));
}

// Every refused Act names what was wrong and writes nothing: the request
// keeps its version and its audit trail its length.
TEST_F(AgentServiceTest, RefusedActsNameTheProblemAndWriteNothing) {
  v1::Request r = Submit("k1");
  ASSERT_EQ(r.version(), 1u);
  ASSERT_EQ(r.current_lender_id(), "BDG");
  const Snapshot before = SnapshotOf(r.id());
  ASSERT_EQ(before.events, 2);

  struct Case {
    const char* what;
    void (*edit)(v1::ActRequest&);
    grpc::StatusCode code;
    const char* names;
  };
  const Case cases[] = {
      {"expected_version 0",
       [](v1::ActRequest& a) { a.set_expected_version(0); },
       grpc::StatusCode::INVALID_ARGUMENT, "expected_version"},
      {"request_id x-1", [](v1::ActRequest& a) { a.set_request_id("x-1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "request_id"},
      {"no action",
       [](v1::ActRequest& a) { a.set_action(v1::ACTION_UNSPECIFIED); },
       grpc::StatusCode::INVALID_ARGUMENT, "action"},
      {"no actor", [](v1::ActRequest& a) { a.clear_actor_library_id(); },
       grpc::StatusCode::INVALID_ARGUMENT, "actor_library_id"},
      {"note of 1001 bytes",
       [](v1::ActRequest& a) { a.set_note(std::string(1001, 'n')); },
       grpc::StatusCode::INVALID_ARGUMENT, "note"},
      {"tracking_ref of 201 bytes",
       [](v1::ActRequest& a) {
         a.set_action(v1::ACTION_SHIP);
         a.set_tracking_ref(std::string(201, 't'));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "tracking_ref"},
      {"UNFILLED without a reason",
       [](v1::ActRequest& a) { a.set_action(v1::ACTION_UNFILLED); },
       grpc::StatusCode::INVALID_ARGUMENT, "reason"},
      {"RETRY_POSSIBLE with an unfilled reason",
       [](v1::ActRequest& a) {
         a.set_action(v1::ACTION_RETRY_POSSIBLE);
         a.set_reason(v1::REASON_NOT_HELD);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "reason"},
      {"stale expected_version",
       [](v1::ActRequest& a) { a.set_expected_version(2); },
       grpc::StatusCode::ABORTED, "now at version 1 in state SENT_TO_LENDER"},
      {"CHECK_IN while SENT_TO_LENDER",
       [](v1::ActRequest& a) { a.set_action(v1::ACTION_CHECK_IN); },
       grpc::StatusCode::FAILED_PRECONDITION,
       "cannot CHECK_IN in state SENT_TO_LENDER"},
      {"a library neither borrower nor current lender",
       [](v1::ActRequest& a) { a.set_actor_library_id("TPG"); },
       grpc::StatusCode::PERMISSION_DENIED, "library TPG"},
      {"the borrower takes a lender action",
       [](v1::ActRequest& a) { a.set_actor_library_id("JKT"); },
       grpc::StatusCode::PERMISSION_DENIED, "not the BORROWER's action"},
      {"a library takes a system action",
       [](v1::ActRequest& a) { a.set_action(v1::ACTION_TIMEOUT); },
       grpc::StatusCode::PERMISSION_DENIED, "TIMEOUT"},
      {"the lender takes a borrower action",
       [](v1::ActRequest& a) { a.set_action(v1::ACTION_CANCEL); },
       grpc::StatusCode::PERMISSION_DENIED, "not the LENDER's action"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::ActRequest act;
    act.set_request_id(r.id());
    act.set_expected_version(r.version());
    act.set_actor_library_id("BDG");
    act.set_action(v1::ACTION_WILL_SUPPLY);
    c.edit(act);
    v1::Request out;
    EXPECT_TRUE(HasStatus(Act(act, &out), c.code, c.names));
    EXPECT_EQ(SnapshotOf(r.id()), before);
  }

  v1::Request out;
  EXPECT_TRUE(HasStatus(Act("r-999", 1, "BDG", v1::ACTION_WILL_SUPPLY, &out),
                        grpc::StatusCode::NOT_FOUND, "r-999"));

  // The request is still good for the real answer.
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());
  EXPECT_EQ(out.version(), 2u);
}

TEST_F(AgentServiceTest, StaleVersionAfterAMoveNamesTheCurrentOne) {
  v1::Request r = Submit("k1");
  v1::Request supplied;
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &supplied).ok());
  const Snapshot before = SnapshotOf(r.id());
  v1::Request out;
  grpc::Status s = Act(r.id(), r.version(), "BDG", v1::ACTION_SHIP, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::ABORTED, "version 2"));
  EXPECT_THAT(s.error_message(), HasSubstr("WILL_SUPPLY"));
  EXPECT_EQ(SnapshotOf(r.id()), before);

  // CHECK_IN is no more legal in WILL_SUPPLY, and says so.
  s = Act(r.id(), supplied.version(), "BDG", v1::ACTION_CHECK_IN, &out);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::FAILED_PRECONDITION, "WILL_SUPPLY"));
  EXPECT_EQ(SnapshotOf(r.id()), before);
}

TEST_F(AgentServiceTest, IdempotentActDoesNotActTwice) {
  v1::Request r = Submit("k1");
  v1::ActRequest act;
  act.set_request_id(r.id());
  act.set_expected_version(r.version());
  act.set_actor_library_id("BDG");
  act.set_action(v1::ACTION_WILL_SUPPLY);
  act.set_idempotency_key("outbox-17");
  v1::Request first;
  ASSERT_TRUE(Act(act, &first).ok());
  EXPECT_EQ(first.version(), 2u);
  const Snapshot after = SnapshotOf(r.id());

  // The agent's outbox retries the very same message.
  v1::Request again;
  grpc::Status s = Act(act, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.version(), 2u);
  EXPECT_EQ(again.state(), v1::REQUEST_STATE_WILL_SUPPLY);
  EXPECT_EQ(SnapshotOf(r.id()), after);

  // The same key for another action is refused.
  act.set_expected_version(2);
  act.set_action(v1::ACTION_SHIP);
  s = Act(act, &again);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::ALREADY_EXISTS, "idempotency_key"));
  EXPECT_EQ(SnapshotOf(r.id()), after);
}

TEST_F(AgentServiceTest, RetryPossibleMovesOnAndRequeuesTheLender) {
  v1::Request r = Submit("k1");
  v1::Request out;
  grpc::Status s = Act(r.id(), r.version(), "BDG", v1::ACTION_RETRY_POSSIBLE,
                       &out, v1::REASON_ON_LOAN);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(out.current_lender_id(), "TPG");
  EXPECT_EQ(out.rota_position(), 1);
  ASSERT_EQ(out.rota_size(), 4);
  EXPECT_EQ(out.rota(0).outcome(), v1::REASON_ON_LOAN);
  EXPECT_EQ(out.rota(3).library_id(), "BDG");
  EXPECT_TRUE(out.rota(3).retry_entry());

  // Bandung is off the case until its turn comes round again.
  s = Act(r.id(), out.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::PERMISSION_DENIED, "BDG"));
}

}  // namespace
}  // namespace silang::testing
