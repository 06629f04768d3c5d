// Admin subcommands: audit, run-timers, health, credential, report.
#include <google/protobuf/struct.pb.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

std::string ReportText(const v1::Evaluation& e) {
  std::string out = absl::StrCat(
      e.partnership_id().empty() ? "library " : "partnership ",
      e.partnership_id().empty() ? e.library_id() : e.partnership_id(), ", ",
      e.from_date(), " to ", e.to_date(), "\n");
  absl::StrAppend(
      &out, "  requests made ", e.requests_made(), ", received ",
      e.requests_received(), ", filled ", e.filled(), " (fill rate ",
      absl::StrFormat("%.1f%%", 100 * e.fill_rate()), "), unfilled ",
      e.unfilled(), ", rota exhausted ", e.requests_unfilled(), "\n",
      absl::StrFormat("  first answer %.1f h; turnaround p50 %.1f h, p90 "
                      "%.1f h; loan %.1f days\n",
                      e.mean_first_answer_hours(), e.turnaround_p50_hours(),
                      e.turnaround_p90_hours(), e.mean_loan_days()),
      "  overdue ", e.overdue(), ", cancelled ", e.cancelled(),
      ", completed ", e.completed(), "\n");
  for (const auto& u : e.unfilled_reasons()) {
    absl::StrAppend(&out, "  unfilled ", ShortName(u.reason()), ": ",
                    u.count(), "\n");
  }
  absl::StrAppend(&out, "  member            made  recv  filled  lent  "
                        "borrowed  balance\n");
  for (const auto& m : e.members()) {
    absl::StrAppend(&out, absl::StrFormat("  %-16s %5d %5d %7d %5d %9d %8d\n",
                                          m.library_id(), m.requests_made(),
                                          m.requests_received(), m.filled(),
                                          m.lent(), m.borrowed(),
                                          m.balance()));
  }
  return out;
}

// One table: the scope's totals first, then one row per member.
std::string ReportCsv(const v1::Evaluation& e) {
  std::string out =
      "row,library_id,requests_made,requests_received,filled,unfilled,"
      "fill_rate,lent,borrowed,balance,first_answer_hours,"
      "turnaround_p50_hours,turnaround_p90_hours,loan_days,overdue,"
      "cancelled,rota_exhausted,completed\n";
  int64_t lent = 0, borrowed = 0;
  for (const auto& m : e.members()) lent += m.lent(), borrowed += m.borrowed();
  absl::StrAppend(
      &out,
      absl::StrFormat("total,%s,%d,%d,%d,%d,%.4f,%d,%d,%d,%.2f,%.2f,%.2f,"
                      "%.2f,%d,%d,%d,%d\n",
                      e.partnership_id().empty() ? e.library_id()
                                                 : e.partnership_id(),
                      e.requests_made(), e.requests_received(), e.filled(),
                      e.unfilled(), e.fill_rate(), lent, borrowed,
                      lent - borrowed, e.mean_first_answer_hours(),
                      e.turnaround_p50_hours(), e.turnaround_p90_hours(),
                      e.mean_loan_days(), e.overdue(), e.cancelled(),
                      e.requests_unfilled(), e.completed()));
  for (const auto& m : e.members()) {
    absl::StrAppend(&out, absl::StrFormat(
                              "member,%s,%d,%d,%d,,,%d,%d,%d,,,,,,,,\n",
                              m.library_id(), m.requests_made(),
                              m.requests_received(), m.filled(), m.lent(),
                              m.borrowed(), m.balance()));
  }
  return out;
}

void AddReport(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "report", "Evaluate a partnership or a library over a period");
  cmd->group(kAdmin);
  auto req = std::make_shared<v1::EvaluateRequest>();
  auto csv = std::make_shared<bool>(false);
  CLI::Option* p = cmd->add_option_function<std::string>(
      "--partnership",
      [req](const std::string& v) { req->set_partnership_id(v); },
      "Partnership id");
  cmd->add_option_function<std::string>(
         "--library", [req](const std::string& v) { req->set_library_id(v); },
         "Library id")
      ->excludes(p);
  cmd->add_option_function<std::string>(
         "--from", [req](const std::string& v) { req->set_from_date(v); },
         "First day, YYYY-MM-DD (UTC)")
      ->required()
      ->check(DayText());
  cmd->add_option_function<std::string>(
         "--to", [req](const std::string& v) { req->set_to_date(v); },
         "Last day, YYYY-MM-DD (UTC)")
      ->required()
      ->check(DayText());
  cmd->add_flag("--csv", *csv, "CSV: totals, then one row per member");
  OnRun(cmd, run, [req, csv](Session& s) {
    return CallAndEmit(s, s.admin(), &Admin::Evaluate, *req,
                       *csv ? ReportCsv : ReportText);
  });
}

}  // namespace

void AddAdminCommands(CLI::App& app, Runner* run) {
  AddReport(app, run);
  AddAudit(app, run);
  AddRunTimers(app, run);
  AddHealth(app, run);
  AddCredential(app, run);
}

}  // namespace silang::ctl
