#include "tests/services/service_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace silang::testing {

absl::Time StartTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                         absl::FixedTimeZone(7 * 60 * 60));
}

::testing::AssertionResult HasStatus(const grpc::Status& status,
                                     grpc::StatusCode code,
                                     const std::string& names) {
  if (status.error_code() != code ||
      status.error_message().find(names) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "got code " << status.error_code() << " \""
           << status.error_message() << "\"; want code " << code << " naming \""
           << names << "\"";
  }
  return ::testing::AssertionSuccess();
}

void ServiceTest::SetUp() {
  EngineOptions engine_options;
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  Configure(engine_options, options);
  auto core = Core::Open(dir_.Sub("db"), clock_, std::move(engine_options));
  ASSERT_TRUE(core.ok()) << core.status();
  core_ = *std::move(core);
  admin_token_ = IssueToken(storage::v1::CREDENTIAL_ROLE_ADMIN, "");
  auto server = Server::Start(*core_, options);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  ASSERT_NE(server_->port(), 0);

  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                 grpc::InsecureChannelCredentials());
  ASSERT_TRUE(
      channel_->WaitForConnected(std::chrono::system_clock::now() + kDeadline));
  librarian_ = v1::LibrarianService::NewStub(channel_);
  agent_ = v1::AgentService::NewStub(channel_);
  admin_ = v1::AdminService::NewStub(channel_);
  directory_ = v1::DirectoryService::NewStub(channel_);
  Seed();
}

std::string ServiceTest::IssueToken(storage::v1::CredentialRole role,
                                    const std::string& library) {
  auto issued =
      core_->credentials->Issue(role, library, "test", absl::ZeroDuration(), "");
  EXPECT_TRUE(issued.ok()) << issued.status();
  return issued.ok() ? issued->token : "";
}

void ServiceTest::TearDown() {
  if (server_) server_->Shutdown(absl::Seconds(1));
  server_.reset();
  core_.reset();
}

v1::Library ServiceTest::LibraryFor(const std::string& id,
                                    const std::string& name, double lat,
                                    double lon, const std::string& province,
                                    const std::string& island,
                                    const std::string& tz) {
  v1::Library lib;
  lib.set_id(id);
  lib.set_name(name);
  lib.set_lat(lat);
  lib.set_lon(lon);
  lib.set_province(province);
  lib.set_island(island);
  lib.set_time_zone(tz);
  lib.set_status(v1::LIBRARY_STATUS_ACTIVE);
  lib.mutable_policy()->add_services(v1::SERVICE_TYPE_LOAN);
  lib.mutable_policy()->add_services(v1::SERVICE_TYPE_COPY);
  return lib;
}

v1::Holding ServiceTest::HoldingOf(const std::string& library,
                                   const std::string& isbn,
                                   const std::string& item) {
  v1::Holding h;
  h.set_library_id(library);
  h.mutable_title()->set_isbn(isbn);
  h.set_item_id(item);
  h.set_call_number("899.221 HIR l");
  h.set_material_type(v1::MATERIAL_TYPE_BOOK);
  h.set_availability(v1::AVAILABILITY_ON_SHELF);
  return h;
}

void ServiceTest::Seed() {
  const v1::Library libraries[] = {
      LibraryFor("JKT", "Perpustakaan Nasional RI", -6.2146, 106.8451,
                 "DKI Jakarta", "Jawa", "WIB"),
      LibraryFor("BDG", "Dispusipda Jawa Barat", -6.92222, 107.60694,
                 "Jawa Barat", "Jawa", "WIB"),
      LibraryFor("TPG", "Perpustakaan Kota Tanjung Pinang", 0.91667, 104.45833,
                 "Kepulauan Riau", "Bintan", "WIB"),
      LibraryFor("TMH", "Perpustakaan Kota Tomohon", 1.31678, 124.80379,
                 "Sulawesi Utara", "Sulawesi", "WITA"),
  };
  for (const auto& lib : libraries) {
    v1::PutLibraryRequest req;
    *req.mutable_library() = lib;
    v1::Library out;
    grpc::Status s =
        Call(*admin_, &v1::AdminService::Stub::PutLibrary, req, &out);
    ASSERT_TRUE(s.ok()) << lib.id() << ": " << s.error_message();
    ASSERT_EQ(out.version(), 1u);
  }

  v1::PutPartnershipRequest p;
  p.mutable_partnership()->set_id("NUSANTARA");
  p.mutable_partnership()->set_name("Jaringan Nusantara");
  for (const char* id : {"JKT", "BDG", "TPG", "TMH"}) {
    p.mutable_partnership()->add_member_ids(id);
  }
  p.mutable_partnership()->set_terms(v1::PARTNERSHIP_TERMS_RECIPROCAL);
  p.mutable_partnership()->set_valid_from("2026-01-01");
  p.mutable_partnership()->set_valid_until("2027-12-31");
  p.mutable_partnership()->set_tier(3);
  v1::Partnership pout;
  grpc::Status s =
      Call(*admin_, &v1::AdminService::Stub::PutPartnership, p, &pout);
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto put = [&](const std::string& lib,
                 std::initializer_list<const char*> isbns) {
    v1::PutHoldingsRequest req;
    req.set_library_id(lib);
    int n = 0;
    for (const char* isbn : isbns) {
      *req.add_holdings() = HoldingOf(lib, isbn, absl::StrCat(lib, "-", ++n));
    }
    v1::PutHoldingsResponse out;
    grpc::Status st =
        Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out);
    ASSERT_TRUE(st.ok()) << lib << ": " << st.error_message();
    ASSERT_EQ(out.written(), static_cast<int>(isbns.size()));
  };
  put("BDG", {kIsbn, kIsbnBdgOnly});
  put("TPG", {kIsbn});
  put("TMH", {kIsbn});
}

v1::SubmitRequestRequest ServiceTest::SubmitFor(const std::string& key,
                                                const std::string& isbn) {
  v1::SubmitRequestRequest req;
  req.set_idempotency_key(key);
  req.set_borrower_library_id("JKT");
  req.set_patron_ref(absl::StrCat("P-", key));
  req.mutable_title()->set_isbn(isbn);
  req.mutable_bib()->set_title("Laskar Pelangi");
  req.mutable_bib()->set_author("Andrea Hirata");
  req.mutable_bib()->set_year("2005");
  req.set_service_type(v1::SERVICE_TYPE_LOAN);
  req.set_material_type(v1::MATERIAL_TYPE_BOOK);
  req.set_note("for a thesis on Belitung");
  return req;
}

v1::Request ServiceTest::Submit(const v1::SubmitRequestRequest& req) {
  v1::SubmitRequestResponse out;
  grpc::Status s =
      Call(*librarian_, &v1::LibrarianService::Stub::SubmitRequest, req, &out);
  if (!s.ok()) {
    ADD_FAILURE() << "submit " << req.idempotency_key() << ": "
                  << s.error_message();
    return v1::Request();
  }
  return out.request();
}

grpc::Status ServiceTest::Act(const std::string& id, uint64_t version,
                              const std::string& actor, v1::Action action,
                              v1::Request* out, v1::Reason reason) {
  v1::ActRequest req;
  req.set_request_id(id);
  req.set_expected_version(version);
  req.set_actor_library_id(actor);
  req.set_action(action);
  req.set_reason(reason);
  return Act(req, out);
}

grpc::Status ServiceTest::Get(const std::string& id, v1::Request* out) {
  v1::GetRequestRequest req;
  req.set_request_id(id);
  return Call(*librarian_, &v1::LibrarianService::Stub::GetRequest, req, out);
}

grpc::Status ServiceTest::Audit(const std::string& id, v1::AuditTrail* out) {
  v1::GetAuditTrailRequest req;
  req.set_request_id(id);
  return Call(*admin_, &v1::AdminService::Stub::GetAuditTrail, req, out);
}

ServiceTest::Snapshot ServiceTest::SnapshotOf(const std::string& id) {
  Snapshot snap;
  v1::AuditTrail trail;
  grpc::Status s = Audit(id, &trail);
  EXPECT_TRUE(s.ok()) << s.error_message();
  v1::Request r;
  s = Get(id, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  snap.version = r.version();
  snap.state = r.state();
  snap.events = trail.events_size();
  return snap;
}

}  // namespace silang::testing
