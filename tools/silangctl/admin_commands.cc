// Admin subcommands: audit, run-timers, health.
#include <google/protobuf/struct.pb.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "tools/silangctl/commands.h"

namespace silang::ctl {
namespace {

using Admin = v1::AdminService::Stub;

constexpr char kAdmin[] = "Admin";

std::string AuditText(const v1::AuditTrail& trail) {
  std::string out = absl::StrCat(RequestDetail(trail.request()), "\n",
                                 RotaTable(trail.request()), "events:\n");
  for (const v1::AuditEvent& event : trail.events()) {
    absl::StrAppend(&out, AuditEventLine(event), "\n");
  }
  return out;
}

std::string TimersText(const v1::RunTimersResponse& reply) {
  return absl::StrCat("fired ", reply.fired());
}

void AddAudit(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "audit", "A request's rota, its explanations and every event");
  cmd->group(kAdmin);
  auto id = std::make_shared<std::string>();
  cmd->add_option("REQUEST_ID", *id, "Request id, e.g. r-42")->required();
  OnRun(cmd, run, [id](Session& s) {
    v1::GetAuditTrailRequest request;
    request.set_request_id(*id);
    return CallAndEmit(s, s.admin(), &Admin::GetAuditTrail, request, AuditText);
  });
}

void AddRunTimers(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "run-timers", "Fire every due deadline and overdue timer now");
  cmd->group(kAdmin);
  OnRun(cmd, run, [](Session& s) {
    return CallAndEmit(s, s.admin(), &Admin::RunTimers, v1::RunTimersRequest(),
                       TimersText);
  });
}

void AddHealth(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "health", "grpc.health.v1 check; exits 2 unless SERVING");
  cmd->group(kAdmin);
  OnRun(cmd, run, [](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(const std::string status, s.CheckHealth());
    google::protobuf::Struct reply;
    (*reply.mutable_fields())["status"].set_string_value(status);
    Emit(reply, s.options().json, status);
    if (status != "SERVING") {
      return absl::UnavailableError("server reports " + status);
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddAdminCommands(CLI::App& app, Runner* run) {
  AddAudit(app, run);
  AddRunTimers(app, run);
  AddHealth(app, run);
}

}  // namespace silang::ctl
