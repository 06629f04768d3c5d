// Who may call what: every RPC against every kind of caller. An allowed
// call may still fail for its own reasons (a stale version, an existing
// id); what matters here is that it is not refused as UNAUTHENTICATED or
// PERMISSION_DENIED, and that a refused one is, and changes nothing.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

namespace s = storage::v1;

// Callers. The request under test is borrowed by JKT and sent to BDG; TMH
// holds the title but took no part.
enum Who { kAdmin, kLibJkt, kAgentJkt, kLibBdg, kAgentBdg, kLibTmh };
const std::vector<Who> kEveryone = {kAdmin,  kLibJkt,   kAgentJkt,
                                    kLibBdg, kAgentBdg, kLibTmh};
const char* Name(Who w) {
  static const char* names[] = {"admin",       "librarian JKT", "agent JKT",
                                "librarian BDG", "agent BDG",   "librarian TMH"};
  return names[w];
}

class AuthTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    request_ = Submit("auth-1");
    ASSERT_EQ(request_.current_lender_id(), "BDG");
    tokens_[kAdmin] = admin_token_;
    tokens_[kLibJkt] = IssueToken(s::CREDENTIAL_ROLE_LIBRARIAN, "JKT");
    tokens_[kAgentJkt] = IssueToken(s::CREDENTIAL_ROLE_AGENT, "JKT");
    tokens_[kLibBdg] = IssueToken(s::CREDENTIAL_ROLE_LIBRARIAN, "BDG");
    tokens_[kAgentBdg] = IssueToken(s::CREDENTIAL_ROLE_AGENT, "BDG");
    tokens_[kLibTmh] = IssueToken(s::CREDENTIAL_ROLE_LIBRARIAN, "TMH");
  }

  template <typename Stub, typename Req, typename Resp>
  static grpc::Status CallAs(const std::string& token, Stub& stub,
                             grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                          const Req&, Resp*),
                             const Req& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    Resp resp;
    return (stub.*method)(&ctx, req, &resp);
  }

  struct Rpc {
    std::string name;
    std::function<grpc::Status(const std::string& token)> call;
    std::set<Who> allowed;
  };

  // Every unary RPC of the four services, with who may call it.
  std::vector<Rpc> Rpcs() {
    using L = v1::LibrarianService::Stub;
    using A = v1::AgentService::Stub;
    using D = v1::DirectoryService::Stub;
    using M = v1::AdminService::Stub;
    const std::string id = request_.id();
    const std::set<Who> all(kEveryone.begin(), kEveryone.end());
    const std::set<Who> jkt = {kAdmin, kLibJkt, kAgentJkt};
    const std::set<Who> bdg = {kAdmin, kLibBdg, kAgentBdg};
    const std::set<Who> admin = {kAdmin};
    auto& lib = *librarian_;
    auto& agent = *agent_;
    auto& dir = *directory_;
    auto& adm = *admin_;

    v1::SubmitRequestRequest submit = SubmitFor("auth-2");
    v1::GetRequestRequest get;
    get.set_request_id(id);
    v1::ListRequestsRequest list;
    list.set_borrower_library_id("JKT");
    // Stale versions: an allowed call is ABORTED and changes nothing.
    v1::CancelRequestRequest cancel;
    cancel.set_request_id(id);
    cancel.set_expected_version(999);
    cancel.set_actor_library_id("JKT");
    v1::RenewRequestRequest renew;
    renew.set_request_id(id);
    renew.set_expected_version(999);
    renew.set_actor_library_id("JKT");
    v1::RerequestRequest rerequest;
    rerequest.set_request_id(id);
    rerequest.set_expected_version(999);
    rerequest.set_actor_library_id("JKT");
    v1::ListTasksRequest tasks;
    tasks.set_library_id("BDG");
    v1::ActRequest act;
    act.set_request_id(id);
    act.set_expected_version(999);
    act.set_actor_library_id("BDG");
    act.set_action(v1::ACTION_WILL_SUPPLY);
    v1::GetLibraryRequest get_lib;
    get_lib.set_library_id("JKT");
    v1::GetPartnershipRequest get_p;
    get_p.set_partnership_id("NUSANTARA");
    v1::ListHoldingsRequest holdings;
    holdings.mutable_title()->set_isbn(kIsbn);
    v1::PutHoldingsRequest put_holdings;
    put_holdings.set_library_id("BDG");
    *put_holdings.add_holdings() = HoldingOf("BDG", kIsbnBdgOnly, "B-99");
    v1::GetAuditTrailRequest audit;
    audit.set_request_id(id);
    v1::PutLibraryRequest put_lib;  // exists: ALREADY_EXISTS for the admin
    *put_lib.mutable_library() =
        LibraryFor("JKT", "x", -6.2, 106.8, "Jakarta", "Jawa", "WIB");
    v1::PutPartnershipRequest put_p;
    put_p.mutable_partnership()->set_id("NUSANTARA");
    v1::IssueCredentialRequest issue;
    issue.set_role(v1::CREDENTIAL_ROLE_LIBRARIAN);
    issue.set_library_id("TMH");
    v1::RevokeCredentialRequest revoke;
    revoke.set_credential_id("nope");

    auto bind = [](auto&& fn) { return fn; };
    return {
        {"SubmitRequest", bind([&, submit](const std::string& t) {
           return CallAs(t, lib, &L::SubmitRequest, submit);
         }),
         {kAdmin, kLibJkt}},
        {"GetRequest", bind([&, get](const std::string& t) {
           return CallAs(t, lib, &L::GetRequest, get);
         }),
         {kAdmin, kLibJkt, kAgentJkt, kLibBdg, kAgentBdg}},
        {"ListRequests", bind([&, list](const std::string& t) {
           return CallAs(t, lib, &L::ListRequests, list);
         }),
         jkt},
        {"CancelRequest", bind([&, cancel](const std::string& t) {
           return CallAs(t, lib, &L::CancelRequest, cancel);
         }),
         jkt},
        {"RenewRequest", bind([&, renew](const std::string& t) {
           return CallAs(t, lib, &L::RenewRequest, renew);
         }),
         jkt},
        {"Rerequest", bind([&, rerequest](const std::string& t) {
           return CallAs(t, lib, &L::Rerequest, rerequest);
         }),
         jkt},
        {"ListTasks", bind([&, tasks](const std::string& t) {
           return CallAs(t, agent, &A::ListTasks, tasks);
         }),
         bdg},
        {"Act", bind([&, act](const std::string& t) {
           return CallAs(t, agent, &A::Act, act);
         }),
         bdg},
        {"GetLibrary", bind([&, get_lib](const std::string& t) {
           return CallAs(t, dir, &D::GetLibrary, get_lib);
         }),
         all},
        {"ListLibraries", bind([&](const std::string& t) {
           return CallAs(t, dir, &D::ListLibraries,
                         v1::ListLibrariesRequest());
         }),
         all},
        {"GetPartnership", bind([&, get_p](const std::string& t) {
           return CallAs(t, dir, &D::GetPartnership, get_p);
         }),
         all},
        {"ListPartnerships", bind([&](const std::string& t) {
           return CallAs(t, dir, &D::ListPartnerships,
                         v1::ListPartnershipsRequest());
         }),
         all},
        {"ListHoldings", bind([&, holdings](const std::string& t) {
           return CallAs(t, dir, &D::ListHoldings, holdings);
         }),
         all},
        {"PutHoldings", bind([&, put_holdings](const std::string& t) {
           return CallAs(t, dir, &D::PutHoldings, put_holdings);
         }),
         bdg},
        {"GetAuditTrail", bind([&, audit](const std::string& t) {
           return CallAs(t, adm, &M::GetAuditTrail, audit);
         }),
         {kAdmin, kLibJkt, kLibBdg}},
        {"PutLibrary", bind([&, put_lib](const std::string& t) {
           return CallAs(t, adm, &M::PutLibrary, put_lib);
         }),
         admin},
        {"PutPartnership", bind([&, put_p](const std::string& t) {
           return CallAs(t, adm, &M::PutPartnership, put_p);
         }),
         admin},
        {"RunTimers", bind([&](const std::string& t) {
           return CallAs(t, adm, &M::RunTimers, v1::RunTimersRequest());
         }),
         admin},
        {"IssueCredential", bind([&, issue](const std::string& t) {
           return CallAs(t, adm, &M::IssueCredential, issue);
         }),
         admin},
        {"ListCredentials", bind([&](const std::string& t) {
           return CallAs(t, adm, &M::ListCredentials,
                         v1::ListCredentialsRequest());
         }),
         admin},
        {"RevokeCredential", bind([&, revoke](const std::string& t) {
           return CallAs(t, adm, &M::RevokeCredential, revoke);
         }),
         admin},
    };
  }

  v1::Request request_;
  std::map<Who, std::string> tokens_;
};

bool Refused(const grpc::Status& st) {
  return st.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
         st.error_code() == grpc::StatusCode::UNAUTHENTICATED;
}

TEST_F(AuthTest, EveryRpcAllowsExactlyItsRoles) {
  const Snapshot before = SnapshotOf(request_.id());
  for (const Rpc& rpc : Rpcs()) {
    for (Who who : kEveryone) {
      SCOPED_TRACE(rpc.name + " as " + Name(who));
      grpc::Status st = rpc.call(tokens_[who]);
      if (rpc.allowed.count(who)) {
        EXPECT_FALSE(Refused(st)) << st.error_message();
      } else {
        EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << st.error_message();
        EXPECT_FALSE(st.error_message().empty());
      }
    }
  }
  // Refused calls (and allowed ones with stale versions) wrote nothing.
  EXPECT_EQ(SnapshotOf(request_.id()), before);
}

TEST_F(AuthTest, EveryRpcRefusesMissingWrongAndRevokedCredentials) {
  std::string revoked = IssueToken(s::CREDENTIAL_ROLE_LIBRARIAN, "JKT");
  ASSERT_TRUE(core_->credentials->Revoke(revoked.substr(5, 16)).ok());
  std::string wrong = tokens_[kLibJkt];
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const Rpc& rpc : Rpcs()) {
    for (const std::string& token :
         {std::string(), std::string("garbage"), wrong, revoked}) {
      SCOPED_TRACE(rpc.name + " with \"" + token + "\"");
      EXPECT_EQ(rpc.call(token).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
  }
}

TEST_F(AuthTest, ExpiredCredentialStopsWorking) {
  auto issued = core_->credentials->Issue(
      s::CREDENTIAL_ROLE_LIBRARIAN, "JKT", "short", absl::Hours(1), "");
  ASSERT_TRUE(issued.ok());
  v1::GetLibraryRequest req;
  req.set_library_id("JKT");
  EXPECT_TRUE(CallAs(issued->token, *directory_,
                     &v1::DirectoryService::Stub::GetLibrary, req)
                  .ok());
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(CallAs(issued->token, *directory_,
                   &v1::DirectoryService::Stub::GetLibrary, req)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, AdminIssuesListsAndRevokesThroughTheApi) {
  v1::IssueCredentialRequest issue;
  issue.set_role(v1::CREDENTIAL_ROLE_AGENT);
  issue.set_library_id("TMH");
  issue.set_label("agent at Tomohon");
  v1::IssueCredentialResponse issued;
  ASSERT_TRUE(
      Call(*admin_, &v1::AdminService::Stub::IssueCredential, issue, &issued)
          .ok());
  EXPECT_EQ(issued.token().rfind("slg1.", 0), 0u);
  EXPECT_EQ(issued.credential().library_id(), "TMH");

  v1::ListCredentialsResponse listed;
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::ListCredentials,
                   v1::ListCredentialsRequest(), &listed)
                  .ok());
  bool found = false;
  for (const auto& c : listed.credentials()) {
    found = found || c.id() == issued.credential().id();
  }
  EXPECT_TRUE(found);

  v1::ListTasksRequest tasks;
  tasks.set_library_id("TMH");
  EXPECT_TRUE(CallAs(issued.token(), *agent_,
                     &v1::AgentService::Stub::ListTasks, tasks)
                  .ok());
  v1::RevokeCredentialRequest revoke;
  revoke.set_credential_id(issued.credential().id());
  v1::RevokeCredentialResponse revoked;
  ASSERT_TRUE(Call(*admin_, &v1::AdminService::Stub::RevokeCredential, revoke,
                   &revoked)
                  .ok());
  EXPECT_EQ(CallAs(issued.token(), *agent_,
                   &v1::AgentService::Stub::ListTasks, tasks)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // A librarian credential needs a library that exists.
  issue.set_role(v1::CREDENTIAL_ROLE_LIBRARIAN);
  issue.set_library_id("NOWHERE");
  EXPECT_TRUE(HasStatus(Call(*admin_, &v1::AdminService::Stub::IssueCredential,
                             issue, &issued),
                        grpc::StatusCode::NOT_FOUND, "NOWHERE"));
}

}  // namespace
}  // namespace silang::testing
