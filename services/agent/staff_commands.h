// silang-agent's staff subcommands: clients of the local staff port
// (LocalAgentService), with silangctl's spelling of actions, reasons and
// times and its output (human lines, or --json for the reply message).
// As in silangctl, parsing only stores a runner; main() runs it.
#ifndef SILANG_SERVICES_AGENT_STAFF_COMMANDS_H_
#define SILANG_SERVICES_AGENT_STAFF_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "silang/v1/agent_local.grpc.pb.h"

namespace silang::agent {

struct StaffOptions {
  std::string agent = "127.0.0.1:7421";  // the agent's staff port
  double timeout_seconds = 10;
  bool json = false;
};

// One invocation's connection to the local agent.
class StaffSession {
 public:
  explicit StaffSession(const StaffOptions& options);

  const StaffOptions& options() const { return options_; }

  // One unary call with the --timeout deadline.
  template <typename Req, typename Resp>
  [[nodiscard]] absl::Status Call(
      grpc::Status (v1::LocalAgentService::Stub::*method)(grpc::ClientContext*,
                                                          const Req&, Resp*),
      const Req& request, Resp* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(
                         options_.timeout_seconds * 1000)));
    const grpc::Status s = (stub_.get()->*method)(&ctx, request, response);
    return s.ok() ? absl::OkStatus()
                  : absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                                 s.error_message());
  }

 private:
  StaffOptions options_;
  std::unique_ptr<v1::LocalAgentService::Stub> stub_;
};

using StaffRunner = std::function<absl::Status(StaffSession&)>;

// tasks, outbox, discard, status, item, resync and one subcommand per
// lender or borrower action.
void AddStaffCommands(CLI::App& app, StaffRunner* run);

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_STAFF_COMMANDS_H_
