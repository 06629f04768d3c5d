// LibrarianService over a real server: submit (routing in the same call),
// idempotency, get, list with filters and pages, cancel, renew, rerequest,
// and the errors each promises.
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/util/time_util.h"
#include "services/convert.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using LibrarianServiceTest = ServiceTest;
using google::protobuf::util::TimeUtil;

TEST_F(LibrarianServiceTest, SubmitRoutesToTheFirstLenderInTheSameCall) {
  v1::SubmitRequestResponse out;
  grpc::Status s = Call(*librarian_, &v1::LibrarianService::Stub::SubmitRequest,
                        SubmitFor("k1"), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(out.created());
  const v1::Request& r = out.request();
  EXPECT_EQ(r.id(), "r-1");
  EXPECT_EQ(r.version(), 1u);
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.iso18626_status(), "RequestReceived");
  EXPECT_EQ(r.borrower_library_id(), "JKT");
  EXPECT_EQ(r.pickup_library_id(), "JKT");  // defaults to the borrower
  EXPECT_EQ(r.title().isbn(), kIsbn);
  EXPECT_EQ(r.bib().author(), "Andrea Hirata");
  EXPECT_EQ(r.service_level(), v1::SERVICE_LEVEL_NORMAL);  // the default

  // Bandung is nearest and on the same island; Tomohon, across the sea in
  // another time zone, comes last.
  ASSERT_EQ(r.rota_size(), 3);
  EXPECT_EQ(r.rota(0).library_id(), "BDG");
  EXPECT_EQ(r.rota(0).rank(), 1);
  EXPECT_EQ(r.rota(0).partnership_id(), "NUSANTARA");
  EXPECT_FALSE(r.rota(0).explanation().empty());
  EXPECT_EQ(r.rota(2).library_id(), "TMH");
  EXPECT_EQ(r.rota_position(), 0);
  EXPECT_EQ(r.current_lender_id(), "BDG");

  // Four business days in Bandung's zone: the end of Friday 27 November.
  absl::Time want = absl::FromCivil(absl::CivilSecond(2026, 11, 28, 0, 0, 0),
                                    absl::FixedTimeZone(7 * 60 * 60));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(r.response_deadline()),
            absl::ToUnixMicros(want));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(r.created_at()),
            absl::ToUnixMicros(StartTime()));
}

// Why a holder was not asked is for GetRequest (and the audit); the
// submit's reply only counts those holders.
TEST_F(LibrarianServiceTest, SubmitCountsFilteredHoldersAndGetListsThem) {
  v1::PutHoldingsRequest put;  // the borrower holds it too: never asked
  put.set_library_id("JKT");
  *put.add_holdings() = HoldingOf("JKT", kIsbn, "JKT-1");
  v1::PutHoldingsResponse written;
  ASSERT_TRUE(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, put, &written)
          .ok());

  v1::Request submitted = Submit("k1");
  EXPECT_EQ(submitted.rota_size(), 3);
  EXPECT_EQ(submitted.filtered_size(), 0);
  EXPECT_EQ(submitted.unlisted_filtered(), 1);

  v1::Request got;
  ASSERT_TRUE(Get(submitted.id(), &got).ok());
  EXPECT_EQ(got.rota_size(), 3);
  ASSERT_EQ(got.filtered_size(), 1);
  EXPECT_EQ(got.filtered(0).library_id(), "JKT");
  EXPECT_FALSE(got.filtered(0).filtered_reason().empty());
  EXPECT_EQ(got.unlisted_filtered(), 0);
}

TEST_F(LibrarianServiceTest, SubmitWithNoHolderWaitsInRouting) {
  // A title nobody holds yet: the request waits for holdings.
  v1::SubmitRequestRequest req = SubmitFor("k1");
  req.mutable_title()->set_record_id("koha-77");
  v1::Request r = Submit(req);
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_ROUTING);
  EXPECT_EQ(r.title().record_id(), "koha-77");
  EXPECT_EQ(r.rota_size(), 0);
  EXPECT_EQ(r.current_lender_id(), "");
}

TEST_F(LibrarianServiceTest, SameKeyAndPayloadReturnsTheSameRequest) {
  v1::Request first = Submit("k1");
  v1::SubmitRequestResponse again;
  grpc::Status s = Call(*librarian_, &v1::LibrarianService::Stub::SubmitRequest,
                        SubmitFor("k1"), &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.request().id(), first.id());
  EXPECT_EQ(again.request().version(), first.version());

  v1::ListRequestsRequest list;
  list.set_borrower_library_id("JKT");
  v1::ListRequestsResponse page;
  s = Call(*librarian_, &v1::LibrarianService::Stub::ListRequests, list, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(page.requests_size(), 1);
}

TEST_F(LibrarianServiceTest, SameKeyWithAnotherPayloadIsAlreadyExists) {
  v1::Request first = Submit("k1");
  v1::SubmitRequestRequest other = SubmitFor("k1");
  other.set_patron_ref("P-someone-else");
  v1::SubmitRequestResponse out;
  grpc::Status s = Call(*librarian_, &v1::LibrarianService::Stub::SubmitRequest,
                        other, &out);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::ALREADY_EXISTS, "idempotency_key"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr(first.id()));
}

TEST_F(LibrarianServiceTest, SubmitRejectsBadFieldsNamingThem) {
  struct Case {
    const char* what;
    void (*edit)(v1::SubmitRequestRequest&);
    const char* names;
  };
  const Case cases[] = {
      {"no idempotency key",
       [](v1::SubmitRequestRequest& r) { r.clear_idempotency_key(); },
       "idempotency_key"},
      {"bad ISBN check digit",
       [](v1::SubmitRequestRequest& r) {
         r.mutable_title()->set_isbn(kBadIsbn);
       },
       "isbn"},
      {"no title", [](v1::SubmitRequestRequest& r) { r.clear_title(); },
       "title"},
      {"patron_ref with a space (a name)",
       [](v1::SubmitRequestRequest& r) { r.set_patron_ref("Siti Aminah"); },
       "patron_ref"},
      {"patron_ref with '@' (an e-mail)",
       [](v1::SubmitRequestRequest& r) { r.set_patron_ref("siti@example.id"); },
       "patron_ref"},
      {"no patron_ref",
       [](v1::SubmitRequestRequest& r) { r.clear_patron_ref(); }, "patron_ref"},
      {"note of 1001 bytes",
       [](v1::SubmitRequestRequest& r) { r.set_note(std::string(1001, 'n')); },
       "note"},
      {"title of 501 bytes",
       [](v1::SubmitRequestRequest& r) {
         r.mutable_bib()->set_title(std::string(501, 't'));
       },
       "bib.title"},
      {"bad borrower id",
       [](v1::SubmitRequestRequest& r) { r.set_borrower_library_id("J K T"); },
       "borrower_library_id"},
      {"unknown pickup library",
       [](v1::SubmitRequestRequest& r) { r.set_pickup_library_id("NOPE"); },
       "pickup_library_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::SubmitRequestRequest req = SubmitFor("k1");
    c.edit(req);
    v1::SubmitRequestResponse out;
    grpc::Status s = Call(
        *librarian_, &v1::LibrarianService::Stub::SubmitRequest, req, &out);
    EXPECT_TRUE(HasStatus(s, grpc::StatusCode::INVALID_ARGUMENT, c.names));
  }
  // None of them made a request or used up the key.
  v1::ListRequestsRequest list;
  list.set_borrower_library_id("JKT");
  v1::ListRequestsResponse page;
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::ListRequests, list, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(page.requests_size(), 0);
  EXPECT_EQ(Submit("k1").id(), "r-1");
}

TEST_F(LibrarianServiceTest, SubmitFromUnknownLibraryIsNotFound) {
  v1::SubmitRequestRequest req = SubmitFor("k1");
  req.set_borrower_library_id("SBY");
  v1::SubmitRequestResponse out;
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::SubmitRequest, req, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::NOT_FOUND, "SBY"));
}

TEST_F(LibrarianServiceTest, GetRequest) {
  v1::Request submitted = Submit("k1");
  v1::Request r;
  grpc::Status s = Get(submitted.id(), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.id(), submitted.id());
  EXPECT_EQ(r.version(), submitted.version());
  EXPECT_EQ(r.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(r.rota_size(), 3);

  EXPECT_TRUE(
      HasStatus(Get("r-999", &r), grpc::StatusCode::NOT_FOUND, "r-999"));
  EXPECT_TRUE(HasStatus(Get("x-1", &r), grpc::StatusCode::INVALID_ARGUMENT,
                        "request_id"));
  EXPECT_TRUE(
      HasStatus(Get("", &r), grpc::StatusCode::INVALID_ARGUMENT, "request_id"));
}

// Lists every page of a query, checking each page's size; stops at 10.
std::vector<std::string> ListAllIds(v1::LibrarianService::Stub& stub,
                                    v1::ListRequestsRequest req, int* pages) {
  std::vector<std::string> ids;
  *pages = 0;
  do {
    v1::ListRequestsResponse page;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    ServiceTest::Authorize(ctx);
    grpc::Status s = stub.ListRequests(&ctx, req, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok() || ++*pages > 10) break;
    if (req.page_size() > 0) {
      EXPECT_LE(page.requests_size(), req.page_size());
    }
    for (const auto& r : page.requests()) ids.push_back(r.id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return ids;
}

TEST_F(LibrarianServiceTest, ListByBorrowerPagesOneAtATime) {
  for (const char* key : {"k1", "k2", "k3"}) {
    Submit(key);
    clock_.Advance(absl::Minutes(1));
  }
  v1::ListRequestsRequest req;
  req.set_borrower_library_id("JKT");
  req.set_page_size(1);
  int pages = 0;
  std::vector<std::string> ids = ListAllIds(*librarian_, req, &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(ids, UnorderedElementsAre("r-1", "r-2", "r-3"));

  // Another borrower has none.
  req.set_borrower_library_id("BDG");
  req.set_page_size(0);
  EXPECT_TRUE(ListAllIds(*librarian_, req, &pages).empty());
}

TEST_F(LibrarianServiceTest, AdminSearchesTheWholeNetwork) {
  v1::Request r1 = Submit("k1");
  clock_.Advance(absl::Hours(2));
  const absl::Time middle = clock_.Now();
  clock_.Advance(absl::Hours(2));
  v1::Request r2 = Submit("k2");
  // No library: every request, newest first, paged.
  v1::ListRequestsRequest req;
  req.set_page_size(1);
  int pages = 0;
  EXPECT_THAT(ListAllIds(*librarian_, req, &pages),
              ElementsAre(r2.id(), r1.id()));
  EXPECT_EQ(pages, 2);
  // By the partnership they were routed under, and by creation time.
  req.set_partnership_id("NUSANTARA");
  *req.mutable_created_after() = TimestampOf(absl::ToUnixMicros(middle));
  EXPECT_THAT(ListAllIds(*librarian_, req, &pages), ElementsAre(r2.id()));
  req.clear_created_after();
  req.set_partnership_id("ELSEWHERE");
  EXPECT_TRUE(ListAllIds(*librarian_, req, &pages).empty());
}

TEST_F(LibrarianServiceTest, ListByLenderWithStateFilter) {
  v1::Request r1 = Submit("k1");
  v1::Request r2 = Submit("k2");
  v1::Request r3 = Submit("k3");
  ASSERT_EQ(r2.current_lender_id(), "BDG");
  v1::Request out;
  ASSERT_TRUE(
      Act(r2.id(), r2.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());

  v1::ListRequestsRequest req;
  req.set_lender_library_id("BDG");
  req.add_states(v1::REQUEST_STATE_WILL_SUPPLY);
  v1::ListRequestsResponse page;
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::ListRequests, req, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(page.requests_size(), 1);
  EXPECT_EQ(page.requests(0).id(), r2.id());
  EXPECT_EQ(page.requests(0).state(), v1::REQUEST_STATE_WILL_SUPPLY);
  EXPECT_EQ(page.next_page_token(), "");

  req.clear_states();
  req.add_states(v1::REQUEST_STATE_SENT_TO_LENDER);
  req.set_page_size(1);
  int pages = 0;
  std::vector<std::string> ids = ListAllIds(*librarian_, req, &pages);
  EXPECT_THAT(ids, UnorderedElementsAre(r1.id(), r3.id()));

  // Tanjung Pinang has not been asked for anything.
  req.set_lender_library_id("TPG");
  req.clear_states();
  EXPECT_TRUE(ListAllIds(*librarian_, req, &pages).empty());
}

TEST_F(LibrarianServiceTest, ListRejectsBadPagingAndFilters) {
  Submit("k1");
  struct Case {
    const char* what;
    void (*edit)(v1::ListRequestsRequest&);
    grpc::StatusCode code;
    const char* names;
  };
  const Case cases[] = {
      {"negative page_size",
       [](v1::ListRequestsRequest& r) { r.set_page_size(-1); },
       grpc::StatusCode::INVALID_ARGUMENT, "page_size"},
      {"page_size over the max",
       [](v1::ListRequestsRequest& r) { r.set_page_size(501); },
       grpc::StatusCode::RESOURCE_EXHAUSTED, "page_size"},
      {"page_token not hex",
       [](v1::ListRequestsRequest& r) { r.set_page_token("zz"); },
       grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
      {"page_token odd length",
       [](v1::ListRequestsRequest& r) { r.set_page_token("abc"); },
       grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
      {"page_token from another query",
       [](v1::ListRequestsRequest& r) { r.set_page_token("00"); },
       grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
      {"both library filters",
       [](v1::ListRequestsRequest& r) { r.set_lender_library_id("BDG"); },
       grpc::StatusCode::INVALID_ARGUMENT, "lender_library_id"},
      {"unknown partnership id form",
       [](v1::ListRequestsRequest& r) { r.set_partnership_id("no spaces"); },
       grpc::StatusCode::INVALID_ARGUMENT, "partnership_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::ListRequestsRequest req;
    req.set_borrower_library_id("JKT");
    c.edit(req);
    v1::ListRequestsResponse page;
    grpc::Status s = Call(
        *librarian_, &v1::LibrarianService::Stub::ListRequests, req, &page);
    EXPECT_TRUE(HasStatus(s, c.code, c.names));
  }
}

TEST_F(LibrarianServiceTest, CancelWhileWithALenderWaitsForItsConfirmation) {
  v1::Request r = Submit("k1");
  v1::CancelRequestRequest cancel;
  cancel.set_request_id(r.id());
  cancel.set_expected_version(r.version());
  cancel.set_actor_library_id("JKT");
  cancel.set_note("patron found a copy");
  v1::Request pending;
  grpc::Status s = Call(*librarian_, &v1::LibrarianService::Stub::CancelRequest,
                        cancel, &pending);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(pending.state(), v1::REQUEST_STATE_CANCEL_PENDING);
  EXPECT_EQ(pending.version(), r.version() + 1);
  EXPECT_EQ(pending.current_lender_id(), "BDG");

  v1::Request done;
  s = Act(pending.id(), pending.version(), "BDG", v1::ACTION_CONFIRM_CANCEL,
          &done);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(done.state(), v1::REQUEST_STATE_CANCELLED);
  EXPECT_EQ(done.iso18626_status(), "Cancelled");
  EXPECT_EQ(done.current_lender_id(), "");
}

TEST_F(LibrarianServiceTest, CancelWithAStaleVersionIsAborted) {
  v1::Request r = Submit("k1");
  v1::Request out;
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());
  Snapshot before = SnapshotOf(r.id());

  v1::CancelRequestRequest cancel;
  cancel.set_request_id(r.id());
  cancel.set_expected_version(r.version());  // 1; it is now at 2
  cancel.set_actor_library_id("JKT");
  grpc::Status s = Call(*librarian_, &v1::LibrarianService::Stub::CancelRequest,
                        cancel, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::ABORTED, "version 2"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("WILL_SUPPLY"));
  EXPECT_EQ(SnapshotOf(r.id()), before);

  // Another library may not cancel it.
  cancel.set_expected_version(2);
  cancel.set_actor_library_id("TMH");
  s = Call(*librarian_, &v1::LibrarianService::Stub::CancelRequest, cancel,
           &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::PERMISSION_DENIED, "TMH"));
  EXPECT_EQ(SnapshotOf(r.id()), before);
}

TEST_F(LibrarianServiceTest, RenewBeforeTheLoanIsFailedPrecondition) {
  v1::Request r = Submit("k1");
  Snapshot before = SnapshotOf(r.id());
  v1::RenewRequestRequest renew;
  renew.set_request_id(r.id());
  renew.set_expected_version(r.version());
  renew.set_actor_library_id("JKT");
  v1::Request out;
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::RenewRequest, renew, &out);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::FAILED_PRECONDITION, "SENT_TO_LENDER"));
  EXPECT_EQ(SnapshotOf(r.id()), before);
}

TEST_F(LibrarianServiceTest, RerequestAfterUnfilledRoutesAgain) {
  v1::Request r = Submit("k1", kIsbnBdgOnly);
  ASSERT_EQ(r.rota_size(), 1);
  ASSERT_EQ(r.current_lender_id(), "BDG");

  v1::Request unfilled;
  grpc::Status s = Act(r.id(), r.version(), "BDG", v1::ACTION_UNFILLED,
                       &unfilled, v1::REASON_NOT_ON_SHELF);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(unfilled.state(), v1::REQUEST_STATE_UNFILLED);
  EXPECT_EQ(unfilled.iso18626_status(), "Unfilled");
  EXPECT_EQ(unfilled.last_reason(), v1::REASON_ROTA_EXHAUSTED);
  EXPECT_EQ(unfilled.rota(0).outcome(), v1::REASON_NOT_ON_SHELF);
  EXPECT_EQ(unfilled.current_lender_id(), "");

  // Only the borrower may re-request.
  v1::RerequestRequest again;
  again.set_request_id(r.id());
  again.set_expected_version(unfilled.version());
  again.set_actor_library_id("BDG");
  v1::Request out;
  s = Call(*librarian_, &v1::LibrarianService::Stub::Rerequest, again, &out);
  EXPECT_TRUE(HasStatus(s, grpc::StatusCode::PERMISSION_DENIED, "BDG"));

  again.set_actor_library_id("JKT");
  again.set_note("back on the shelf now?");
  s = Call(*librarian_, &v1::LibrarianService::Stub::Rerequest, again, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  EXPECT_EQ(out.current_lender_id(), "BDG");
  EXPECT_EQ(out.version(), unfilled.version() + 1);

  v1::AuditTrail trail;
  ASSERT_TRUE(Audit(r.id(), &trail).ok());
  ASSERT_GE(trail.events_size(), 2);
  const v1::AuditEvent& rerequest = trail.events(trail.events_size() - 2);
  EXPECT_EQ(rerequest.action(), v1::ACTION_REREQUEST);
  EXPECT_EQ(rerequest.from_state(), v1::REQUEST_STATE_UNFILLED);
  EXPECT_EQ(rerequest.note(), "back on the shelf now?");
  EXPECT_EQ(trail.events(trail.events_size() - 1).to_state(),
            v1::REQUEST_STATE_SENT_TO_LENDER);

  // Re-requesting while it is out with a lender is illegal.
  again.set_expected_version(out.version());
  s = Call(*librarian_, &v1::LibrarianService::Stub::Rerequest, again, &out);
  EXPECT_TRUE(
      HasStatus(s, grpc::StatusCode::FAILED_PRECONDITION, "SENT_TO_LENDER"));
}

}  // namespace
}  // namespace silang::testing
