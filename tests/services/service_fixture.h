// ServiceTest: a real silang::Server on 127.0.0.1:0 over a Core in a private
// temp dir, with a FakeClock at Monday 2026-11-23 09:00 WIB, stubs for the
// four services, and a small directory seeded through the API:
//
//   JKT  Jakarta          WIB   borrower in most tests; holds nothing
//   BDG  Bandung          WIB   holds kIsbn and kIsbnBdgOnly
//   TPG  Tanjung Pinang   WIB   holds kIsbn
//   TMH  Tomohon          WITA  holds kIsbn
//
// One partnership, "NUSANTARA", joins all four. Every call carries a
// deadline and, unless a test says otherwise, an admin credential. One
// fixture per test: nothing is shared between tests.
#ifndef SILANG_TESTS_SERVICES_SERVICE_FIXTURE_H_
#define SILANG_TESTS_SERVICES_SERVICE_FIXTURE_H_

#include <chrono>
#include <memory>
#include <string>

#include "engine/clock.h"
#include "engine/core.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "silang/v1/admin.grpc.pb.h"
#include "silang/v1/agent.grpc.pb.h"
#include "silang/v1/directory.grpc.pb.h"
#include "silang/v1/librarian.grpc.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang::testing {

// Held by BDG, TPG and TMH, on the shelf everywhere.
inline constexpr char kIsbn[] = "9786020332956";
// Held by BDG only.
inline constexpr char kIsbnBdgOnly[] = "9789793062792";
// The same as kIsbn with a wrong check digit.
inline constexpr char kBadIsbn[] = "9786020332957";

// 2026-11-23 09:00 in Asia/Jakarta (UTC+7, no DST): a Monday.
absl::Time StartTime();

// Success if the status has this code and its message names `names` (a
// field, state or id). Use as EXPECT_TRUE(HasStatus(...)).
::testing::AssertionResult HasStatus(const grpc::Status& status,
                                     grpc::StatusCode code,
                                     const std::string& names);

class ServiceTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kDeadline{10};

  void SetUp() override;
  void TearDown() override;
  // Lets a test adjust the options before SetUp opens the core and starts
  // the server (listen is already 127.0.0.1:0).
  virtual void Configure(EngineOptions& /*engine*/,
                         ServerOptions& /*server*/) {}

  // Runs one unary call with a fresh context and deadline.
  template <typename Stub, typename Req, typename Resp>
  static grpc::Status Call(Stub& stub,
                           grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                        const Req&, Resp*),
                           const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    Authorize(ctx);
    return (stub.*method)(&ctx, req, resp);
  }


 public:
  // Adds the fixture's admin credential to a call.
  static void Authorize(grpc::ClientContext& ctx) {
    ctx.AddMetadata("authorization", "Bearer " + admin_token_);
  }

 protected:
  // Issues a credential straight through the engine; returns its token.
  std::string IssueToken(storage::v1::CredentialRole role,
                         const std::string& library);

  // A valid submission from JKT for kIsbn; idempotency key and patron vary.
  static v1::SubmitRequestRequest SubmitFor(const std::string& key,
                                            const std::string& isbn = kIsbn);
  // Submits; fails the test (ADD_FAILURE) and returns an empty request if
  // the call fails.
  v1::Request Submit(const v1::SubmitRequestRequest& req);
  v1::Request Submit(const std::string& key, const std::string& isbn = kIsbn) {
    return Submit(SubmitFor(key, isbn));
  }

  grpc::Status Act(const std::string& id, uint64_t version,
                   const std::string& actor, v1::Action action,
                   v1::Request* out,
                   v1::Reason reason = v1::REASON_UNSPECIFIED);
  grpc::Status Act(const v1::ActRequest& req, v1::Request* out) {
    return Call(*agent_, &v1::AgentService::Stub::Act, req, out);
  }
  grpc::Status Get(const std::string& id, v1::Request* out);
  grpc::Status Audit(const std::string& id, v1::AuditTrail* out);

  // The request's version and number of audit events, for checking that a
  // rejected command wrote nothing.
  struct Snapshot {
    uint64_t version = 0;
    int events = 0;
    v1::RequestState state = v1::REQUEST_STATE_UNSPECIFIED;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot SnapshotOf(const std::string& id);

  static v1::Library LibraryFor(const std::string& id, const std::string& name,
                                double lat, double lon,
                                const std::string& province,
                                const std::string& island,
                                const std::string& tz);
  static v1::Holding HoldingOf(const std::string& library,
                               const std::string& isbn,
                               const std::string& item);

  FakeClock clock_{StartTime()};
  TempDir dir_{"services"};
  std::unique_ptr<Core> core_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LibrarianService::Stub> librarian_;
  std::unique_ptr<v1::AgentService::Stub> agent_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  // The functional tests call as the network admin.
  inline static std::string admin_token_;

 private:
  void Seed();
};

}  // namespace silang::testing

#endif  // SILANG_TESTS_SERVICES_SERVICE_FIXTURE_H_
