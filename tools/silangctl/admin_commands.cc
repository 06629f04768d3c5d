// Admin subcommands: audit, run-timers, health, credential.
#include <google/protobuf/struct.pb.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/names.h"

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
  return absl::StrCat("fired ", reply.fired(), reply.failed() ? absl::StrCat(", failed ", reply.failed(), ": ", reply.first_error()) : "");
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

std::string CredentialLine(const v1::Credential& c) {
  const std::string label = c.label().empty() ? "" : " \"" + c.label() + "\"";
  std::string line = absl::StrCat(
      c.id(), " ", ShortName(c.role()),
      c.library_id().empty() ? "" : " of ", c.library_id(), label,
      " issued ", FormatTime(c.created_at()));
  if (c.has_expires_at()) absl::StrAppend(&line, " expires ", FormatTime(c.expires_at()));
  if (c.has_revoked_at()) absl::StrAppend(&line, " REVOKED ", FormatTime(c.revoked_at()));
  return line;
}

std::string IssuedText(const v1::IssueCredentialResponse& r) {
  return absl::StrCat(CredentialLine(r.credential()), "\ntoken: ", r.token());
}

std::string CredentialsText(const v1::ListCredentialsResponse& r) {
  std::string out;
  for (const auto& c : r.credentials()) {
    absl::StrAppend(&out, CredentialLine(c), "\n");
  }
  return out;
}

std::string RevokedText(const v1::RevokeCredentialResponse&) {
  return "revoked";
}

void AddCredential(CLI::App& app, Runner* run) {
  CLI::App* group = app.add_subcommand(
      "credential", "Issue, list and revoke bearer credentials (admin)");
  group->group(kAdmin);
  group->require_subcommand(1);

  CLI::App* issue = group->add_subcommand(
      "issue", "A new credential; its token is printed once");
  auto req = std::make_shared<v1::IssueCredentialRequest>();
  auto role = std::make_shared<v1::CredentialRole>();
  auto ttl_days = std::make_shared<double>(0);
  issue->add_option("--role", *role, "admin, librarian or agent")
      ->required()
      ->transform(EnumName<v1::CredentialRole>());
  issue->add_option_function<std::string>(
      "--library", [req](const std::string& v) { req->set_library_id(v); },
      "The library (librarian and agent)");
  issue->add_option_function<std::string>(
      "--label", [req](const std::string& v) { req->set_label(v); },
      "Who holds it, for the list");
  issue->add_option("--ttl-days", *ttl_days, "Expires after; 0 never")
      ->check(CLI::NonNegativeNumber);
  OnRun(issue, run, [req, role, ttl_days](Session& s) {
    req->set_role(*role);
    req->set_ttl_seconds(static_cast<int64_t>(*ttl_days * 86400));
    return CallAndEmit(s, s.admin(), &Admin::IssueCredential, *req,
                       IssuedText);
  });

  CLI::App* list = group->add_subcommand("list", "Every credential");
  OnRun(list, run, [](Session& s) {
    return CallAndEmit(s, s.admin(), &Admin::ListCredentials,
                       v1::ListCredentialsRequest(), CredentialsText);
  });

  CLI::App* revoke = group->add_subcommand("revoke", "Stop a credential now");
  auto id = std::make_shared<std::string>();
  revoke->add_option("CREDENTIAL_ID", *id, "From credential list")->required();
  OnRun(revoke, run, [id](Session& s) {
    v1::RevokeCredentialRequest request;
    request.set_credential_id(*id);
    return CallAndEmit(s, s.admin(), &Admin::RevokeCredential, request,
                       RevokedText);
  });
}

}  // namespace

void AddAdminCommands(CLI::App& app, Runner* run) {
  AddAudit(app, run);
  AddRunTimers(app, run);
  AddHealth(app, run);
  AddCredential(app, run);
}

}  // namespace silang::ctl
