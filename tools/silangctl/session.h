// Session: one silangctl invocation's connection to silangd. It owns the
// channel and the four service stubs, and makes every unary call with the
// global options applied: a deadline of --timeout seconds and, when a token
// is set, "authorization: Bearer <token>" metadata.
//
// Errors: an RPC failure comes back as the absl::Status with the same code
// and message. Mistakes on the caller's side (a missing flag, an unreadable
// file) are UsageError()s, so main() can exit 1 for those and 2 for the
// server's answers. Not thread-safe; silangctl is single-threaded.
#ifndef SILANG_TOOLS_SILANGCTL_SESSION_H_
#define SILANG_TOOLS_SILANGCTL_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "silang/v1/admin.grpc.pb.h"
#include "silang/v1/agent.grpc.pb.h"
#include "silang/v1/catalog.grpc.pb.h"
#include "silang/v1/directory.grpc.pb.h"
#include "silang/v1/librarian.grpc.pb.h"

namespace silang::ctl {

// The flags every subcommand shares.
struct GlobalOptions {
  std::string server;
  double timeout_seconds = 10;
  bool json = false;
  std::string actor;  // --as: the acting library
  std::string tls_ca;
  std::string token;
};

// A client-side error: bad or missing flags, unreadable input.
[[nodiscard]] absl::Status UsageError(std::string message);
bool IsUsageError(const absl::Status& status);

class Session {
 public:
  // Fails (as a usage error) only if the --tls-ca file cannot be read; the
  // channel itself connects lazily, on the first call.
  static absl::StatusOr<std::unique_ptr<Session>> Open(
      const GlobalOptions& options);

  const GlobalOptions& options() const { return options_; }

  v1::LibrarianService::Stub& librarian() { return *librarian_; }
  v1::AgentService::Stub& agent() { return *agent_; }
  v1::AdminService::Stub& admin() { return *admin_; }
  v1::DirectoryService::Stub& directory() { return *directory_; }
  v1::CatalogService::Stub& catalog() { return *catalog_; }

  // --as, or a usage error naming `command` when it is not set.
  absl::StatusOr<std::string> Actor(const std::string& command) const;

  // One unary call through a generated stub method, e.g.
  //   session.Call(session.librarian(), &Stub::GetRequest, req, &reply).
  template <typename Stub, typename Req, typename Resp>
  [[nodiscard]] absl::Status Call(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
      const Req& request, Resp* response) const {
    grpc::ClientContext context;
    Prepare(context);
    return FromGrpc((stub.*method)(&context, request, response));
  }

  // Sets the credential and a deadline of `timeout_seconds` (default: the
  // --timeout) on a context, for calls that do not go through Call().
  void Prepare(grpc::ClientContext& context,
               double timeout_seconds = 0) const;

  // grpc.health.v1.Health/Check for the whole server (service ""): the
  // ServingStatus name, e.g. "SERVING" or "NOT_SERVING".
  absl::StatusOr<std::string> CheckHealth() const;

 private:
  Session(const GlobalOptions& options, std::shared_ptr<grpc::Channel> channel);

  static absl::Status FromGrpc(const grpc::Status& status);

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LibrarianService::Stub> librarian_;
  std::unique_ptr<v1::AgentService::Stub> agent_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::CatalogService::Stub> catalog_;
};

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_SESSION_H_
