// AdminService over a real server: the audit trail, directory writes with
// their version checks and validation, and timer runs against the
// FakeClock.
#include <string>

#include "google/protobuf/util/time_util.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::HasSubstr;
using AdminServiceTest = ServiceTest;
using google::protobuf::util::TimeUtil;

TEST_F(AdminServiceTest, AuditTrailListsEventsOldestFirst) {
  v1::Request r = Submit("k1");
  clock_.Advance(absl::Minutes(30));
  v1::Request out;
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());

  v1::AuditTrail trail;
  grpc::Status s = Audit(r.id(), &trail);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(trail.request().id(), r.id());
  EXPECT_EQ(trail.request().version(), 2u);
  EXPECT_EQ(trail.request().rota_size(), 3);  // with its explanations
  ASSERT_EQ(trail.events_size(), 3);

  const v1::AuditEvent& submit = trail.events(0);
  EXPECT_EQ(submit.seq(), 1u);
  EXPECT_EQ(submit.action(), v1::ACTION_SUBMIT);
  EXPECT_EQ(submit.to_state(), v1::REQUEST_STATE_SUBMITTED);
  EXPECT_EQ(submit.note(), "for a thesis on Belitung");

  const v1::AuditEvent& route = trail.events(1);
  EXPECT_EQ(route.action(), v1::ACTION_ROUTE);
  EXPECT_EQ(route.from_state(), v1::REQUEST_STATE_SUBMITTED);
  EXPECT_EQ(route.to_state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(route.lender_id(), "BDG");
  EXPECT_THAT(route.note(), HasSubstr("rank 1 of 3"));

  const v1::AuditEvent& supply = trail.events(2);
  EXPECT_EQ(supply.seq(), 3u);
  EXPECT_EQ(supply.action(), v1::ACTION_WILL_SUPPLY);
  EXPECT_EQ(supply.actor_library_id(), "BDG");
  EXPECT_EQ(supply.role(), v1::ROLE_LENDER);
  EXPECT_EQ(supply.from_state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(supply.to_state(), v1::REQUEST_STATE_WILL_SUPPLY);
  EXPECT_EQ(supply.version(), 2u);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(supply.at()),
            absl::ToUnixMicros(StartTime() + absl::Minutes(30)));
}

TEST_F(AdminServiceTest, AuditTrailOfAnUnknownRequest) {
  v1::AuditTrail trail;
  EXPECT_TRUE(
      HasStatus(Audit("r-999", &trail), grpc::StatusCode::NOT_FOUND, "r-999"));
  EXPECT_TRUE(HasStatus(Audit("x-1", &trail),
                        grpc::StatusCode::INVALID_ARGUMENT, "request_id"));
}

TEST_F(AdminServiceTest, PutLibraryChecksTheVersion) {
  v1::Library lib = LibraryFor("SBY", "Perpustakaan Kota Surabaya", -7.2575,
                               112.7521, "Jawa Timur", "Jawa", "WIB");
  v1::PutLibraryRequest req;
  *req.mutable_library() = lib;
  v1::Library out;
  grpc::Status s =
      Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.version(), 1u);
  EXPECT_EQ(out.name(), lib.name());

  // Creating it again is refused; replacing needs the version last seen.
  s = Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::ALREADY_EXISTS, "version 1"));

  req.mutable_library()->set_regency("Kota Surabaya");
  req.set_expected_version(1);
  s = Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.version(), 2u);
  EXPECT_EQ(out.regency(), "Kota Surabaya");

  s = Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::ABORTED, "current version is 2"));

  // Replacing one that does not exist.
  req.mutable_library()->set_id("MKS");
  s = Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::NOT_FOUND, "MKS"));
}

TEST_F(AdminServiceTest, PutLibraryRejectsBadFieldsNamingThem) {
  struct Case {
    const char* what;
    void (*edit)(v1::Library&);
    grpc::StatusCode code;
    const char* names;
  };
  const Case cases[] = {
      {"lat 100", [](v1::Library& l) { l.set_lat(100); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.lat"},
      {"lon -181", [](v1::Library& l) { l.set_lon(-181); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.lon"},
      {"bad time zone", [](v1::Library& l) { l.set_time_zone("WITX"); },
       grpc::StatusCode::INVALID_ARGUMENT, "time_zone"},
      {"no id", [](v1::Library& l) { l.clear_id(); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.id"},
      {"id with a space", [](v1::Library& l) { l.set_id("S B Y"); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.id"},
      {"no name", [](v1::Library& l) { l.clear_name(); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.name"},
      {"name of 201 bytes",
       [](v1::Library& l) { l.set_name(std::string(201, 'n')); },
       grpc::StatusCode::INVALID_ARGUMENT, "library.name"},
      {"closure out of order",
       [](v1::Library& l) {
         auto* c = l.add_closures();
         c->set_from_date("2026-12-31");
         c->set_to_date("2026-12-24");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "library.closures[0]"},
      {"201 closures",
       [](v1::Library& l) {
         for (int i = 0; i < 201; ++i) {
           auto* c = l.add_closures();
           c->set_from_date("2026-12-24");
           c->set_to_date("2026-12-26");
         }
       },
       grpc::StatusCode::RESOURCE_EXHAUSTED, "library.closures"},
      {"days_to_respond 31",
       [](v1::Library& l) { l.mutable_policy()->set_days_to_respond(31); },
       grpc::StatusCode::INVALID_ARGUMENT, "days_to_respond"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::PutLibraryRequest req;
    *req.mutable_library() = LibraryFor("SBY", "Surabaya", -7.2575, 112.7521,
                                        "Jawa Timur", "Jawa", "WIB");
    c.edit(*req.mutable_library());
    v1::Library out;
    grpc::Status s =
        Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
    EXPECT_TRUE(HasStatus(s, c.code, c.names));
  }
  v1::GetLibraryRequest get;
  get.set_library_id("SBY");
  v1::Library out;
  EXPECT_EQ(
      Call(*directory_, &v1::DirectoryService::Stub::GetLibrary, get, &out)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(AdminServiceTest, PutPartnershipValidatesAndVersions) {
  v1::PutPartnershipRequest req;
  v1::Partnership& p = *req.mutable_partnership();
  p.set_id("JABODEBEK");
  p.set_name("Jawa Barat dan Jakarta");
  p.add_member_ids("JKT");
  p.set_valid_from("2026-01-01");
  p.set_valid_until("2026-12-31");
  p.set_tier(1);
  v1::Partnership out;
  grpc::Status s =
      Call(*admin_, &v1::AdminService::Stub::PutPartnership, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::INVALID_ARGUMENT, "member_ids"));

  p.add_member_ids("SBY");  // not in the directory
  s = Call(*admin_, &v1::AdminService::Stub::PutPartnership, req, &out);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::INVALID_ARGUMENT, "member_ids[1]"));

  p.set_member_ids(1, "BDG");
  p.set_valid_until("2025-12-31");
  s = Call(*admin_, &v1::AdminService::Stub::PutPartnership, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::INVALID_ARGUMENT, "valid_until"));

  p.set_valid_until("2026-12-31");
  s = Call(*admin_, &v1::AdminService::Stub::PutPartnership, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.version(), 1u);
  EXPECT_THAT(out.member_ids(), ::testing::ElementsAre("JKT", "BDG"));

  req.set_expected_version(7);
  s = Call(*admin_, &v1::AdminService::Stub::PutPartnership, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::ABORTED, "JABODEBEK"));
}

TEST_F(AdminServiceTest, RunTimersWithNothingDueFiresNothing) {
  v1::Request r = Submit("k1");
  v1::RunTimersResponse out;
  grpc::Status s = Call(*admin_, &v1::AdminService::Stub::RunTimers,
                        v1::RunTimersRequest(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.fired(), 0);
  EXPECT_EQ(SnapshotOf(r.id()).version, 1u);
}

TEST_F(AdminServiceTest, RunTimersPastTheDeadlineMovesToTheNextLender) {
  v1::Request r = Submit("k1");
  ASSERT_EQ(r.current_lender_id(), "BDG");
  ASSERT_TRUE(r.has_response_deadline());
  const absl::Time deadline = absl::FromUnixMicros(
      TimeUtil::TimestampToMicroseconds(r.response_deadline()));

  // A minute early nothing happens.
  clock_.Advance(deadline - clock_.Now() - absl::Minutes(1));
  v1::RunTimersResponse fired;
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::RunTimers,
                   v1::RunTimersRequest(), &fired)
                  .ok());
  EXPECT_EQ(fired.fired(), 0);

  clock_.Advance(absl::Minutes(2));
  grpc::Status s = Call(*admin_, &v1::AdminService::Stub::RunTimers,
                        v1::RunTimersRequest(), &fired);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(fired.fired(), 1);

  v1::Request now;
  ASSERT_TRUE(Get(r.id(), &now).ok());
  EXPECT_EQ(now.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(now.current_lender_id(), r.rota(1).library_id());
  EXPECT_EQ(now.rota_position(), 1);
  EXPECT_EQ(now.rota(0).outcome(), v1::REASON_DEADLINE_PASSED);
  EXPECT_EQ(now.last_reason(), v1::REASON_DEADLINE_PASSED);
  EXPECT_EQ(now.version(), 2u);
  EXPECT_GT(TimeUtil::TimestampToMicroseconds(now.response_deadline()),
            absl::ToUnixMicros(clock_.Now()));

  v1::AuditTrail trail;
  ASSERT_TRUE(Audit(r.id(), &trail).ok());
  ASSERT_EQ(trail.events_size(), 4);
  EXPECT_EQ(trail.events(2).action(), v1::ACTION_TIMEOUT);
  EXPECT_EQ(trail.events(2).role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(trail.events(2).lender_id(), "BDG");
  EXPECT_EQ(trail.events(2).from_state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(trail.events(3).action(), v1::ACTION_ROUTE);
  EXPECT_EQ(trail.events(3).lender_id(), now.current_lender_id());

  // The old lender may no longer answer; the new one has it on its list.
  v1::Request out;
  EXPECT_TRUE(
      HasStatus(Act(r.id(), now.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out),
                grpc::StatusCode::PERMISSION_DENIED, "BDG"));
  v1::ListTasksRequest tasks_req;
  tasks_req.set_library_id(now.current_lender_id());
  v1::ListTasksResponse tasks;
  ASSERT_TRUE(
      Call(*agent_, &v1::AgentService::Stub::ListTasks, tasks_req, &tasks)
          .ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).request().id(), r.id());

  // Running again fires nothing more.
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::RunTimers,
                   v1::RunTimersRequest(), &fired)
                  .ok());
  EXPECT_EQ(fired.fired(), 0);
}

TEST_F(AdminServiceTest, RunTimersRoutesARequestOnceItsTitleIsHeld) {
  v1::SubmitRequestRequest submit = SubmitFor("k1");
  submit.mutable_title()->set_record_id("koha-77");
  v1::Request r = Submit(submit);
  ASSERT_EQ(r.state(), v1::REQUEST_STATE_ROUTING);

  v1::PutHoldingsRequest put;
  put.set_library_id("TPG");
  v1::Holding* h = put.add_holdings();
  h->mutable_title()->set_record_id("koha-77");
  h->set_item_id("TPG-77");
  h->set_availability(v1::AVAILABILITY_ON_SHELF);
  v1::PutHoldingsResponse written;
  ASSERT_TRUE(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, put, &written)
          .ok());

  // The retry comes an hour after submission, not before.
  v1::RunTimersResponse fired;
  clock_.Advance(absl::Minutes(59));
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::RunTimers,
                   v1::RunTimersRequest(), &fired)
                  .ok());
  EXPECT_EQ(fired.fired(), 0);
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::RunTimers,
                   v1::RunTimersRequest(), &fired)
                  .ok());
  EXPECT_EQ(fired.fired(), 1);

  v1::Request now;
  ASSERT_TRUE(Get(r.id(), &now).ok());
  EXPECT_EQ(now.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(now.current_lender_id(), "TPG");
  EXPECT_EQ(now.version(), r.version() + 1);
}

}  // namespace
}  // namespace silang::testing
