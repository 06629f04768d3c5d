#include "services/agent/staff_commands.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "tools/silangctl/acts.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/holdings_csv.h"
#include "tools/silangctl/names.h"

namespace silang::agent {
namespace {

using Stub = v1::LocalAgentService::Stub;
using ctl::Emit;
using ctl::ShortName;

constexpr char kWork[] = "Work";
constexpr char kActions[] = "Actions (queued in the outbox)";

void OnRun(CLI::App* cmd, StaffRunner* run, StaffRunner runner) {
  cmd->callback([run, runner = std::move(runner)] { *run = runner; });
}

std::string LocalTaskLine(const v1::LocalTask& t) {
  return ctl::TaskLine(t.task()) + (t.open() ? "" : " (closed)");
}

// "#12 PENDING SHIP r-1 v4 after #11: UNAVAILABLE: ... (3 attempts)".
std::string OutboxLine(const v1::OutboxEntry& e) {
  std::string out = absl::StrCat("#", e.seq(), " ", ShortName(e.state()), " ",
                                 ShortName(e.action()), " ", e.request_id());
  if (e.reason() != v1::REASON_UNSPECIFIED) {
    absl::StrAppend(&out, " reason ", ShortName(e.reason()));
  }
  if (e.after_seq() != 0) absl::StrAppend(&out, " after #", e.after_seq());
  if (e.state() == v1::OUTBOX_STATE_DELIVERED) {
    absl::StrAppend(&out, " -> v", e.result_version(), " ",
                    ShortName(e.result_state()));
  }
  if (e.automatic()) out += " (auto)";
  if (!e.error().empty()) {
    absl::StrAppend(&out, ": ", e.error_code().empty() ? "" : e.error_code(),
                    e.error_code().empty() ? "" : ": ", e.error());
  }
  if (e.attempts() > 0) absl::StrAppend(&out, " (", e.attempts(), " tries)");
  return out;
}

std::string StatusLine(const v1::GetAgentStatusResponse& s) {
  std::string out = absl::StrCat(
      s.library_id(), " core ", s.core(),
      s.connected() ? " connected" : " NOT CONNECTED", " cursor ", s.cursor(),
      " tasks ", s.tasks(), " outbox pending ", s.pending(), " rejected ",
      s.rejected(), " delivered ", s.delivered(), " availability pending ",
      s.availability_pending());
  if (s.availability_dropped() > 0) {
    absl::StrAppend(&out, " (", s.availability_dropped(), " refused)");
  }
  if (!s.last_error().empty())
    absl::StrAppend(&out, "\nlast error: ", s.last_error());
  return out;
}

void AddTasks(CLI::App& app, StaffRunner* run) {
  CLI::App* cmd = app.add_subcommand(
      "tasks", "This library's work, from the agent's cache");
  cmd->group(kWork);
  auto all = std::make_shared<bool>(false);
  cmd->add_flag("--all", *all, "Also requests that are no longer ours");
  OnRun(cmd, run, [all](StaffSession& s) -> absl::Status {
    v1::ListLocalTasksRequest req;
    req.set_include_closed(*all);
    v1::ListLocalTasksResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::ListLocalTasks, req, &reply));
    Emit(reply, s.options().json, ctl::Lines(reply.tasks(), LocalTaskLine));
    return absl::OkStatus();
  });
}

void AddOutbox(CLI::App& app, StaffRunner* run) {
  CLI::App* cmd = app.add_subcommand(
      "outbox", "Actions not yet delivered, and those the core rejected");
  cmd->group(kWork);
  auto all = std::make_shared<bool>(false);
  cmd->add_flag("--all", *all, "Also delivered and discarded actions");
  OnRun(cmd, run, [all](StaffSession& s) -> absl::Status {
    v1::ListOutboxRequest req;
    req.set_include_delivered(*all);
    v1::ListOutboxResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::ListOutbox, req, &reply));
    Emit(reply, s.options().json, ctl::Lines(reply.entries(), OutboxLine));
    return absl::OkStatus();
  });

  CLI::App* discard = app.add_subcommand(
      "discard", "Set a rejected action aside; those held behind it go ahead");
  discard->group(kWork);
  auto seq = std::make_shared<uint64_t>(0);
  discard->add_option("SEQ", *seq, "Outbox entry number")->required();
  OnRun(discard, run, [seq](StaffSession& s) -> absl::Status {
    v1::DiscardActionRequest req;
    req.set_seq(*seq);
    v1::DiscardActionResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::DiscardAction, req, &reply));
    Emit(reply, s.options().json, OutboxLine(reply.entry()));
    return absl::OkStatus();
  });
}

void AddStatus(CLI::App& app, StaffRunner* run) {
  CLI::App* cmd = app.add_subcommand("status", "The agent's link to the core");
  cmd->group(kWork);
  OnRun(cmd, run, [](StaffSession& s) -> absl::Status {
    v1::GetAgentStatusResponse reply;
    RETURN_IF_ERROR(
        s.Call(&Stub::GetAgentStatus, v1::GetAgentStatusRequest(), &reply));
    Emit(reply, s.options().json, StatusLine(reply));
    return absl::OkStatus();
  });
}

struct ItemFlags {
  std::string item_id;
  std::string isbn;
  std::string available;
  std::string call_number;
  std::string back;
};

void AddAvailability(CLI::App& app, StaffRunner* run) {
  CLI::App* cmd = app.add_subcommand(
      "item", "One local item changed: lent here, returned, withdrawn");
  cmd->group(kWork);
  auto f = std::make_shared<ItemFlags>();
  cmd->add_option("ITEM_ID", f->item_id, "Barcode or local item id")
      ->required();
  cmd->add_option("--available", f->available,
                  "on-shelf, on-loan, not-for-loan, withdrawn or unknown")
      ->required();
  cmd->add_option("--isbn", f->isbn, "Needed for an item new to the agent");
  cmd->add_option("--call", f->call_number, "Call number");
  cmd->add_option("--back", f->back, "On loan: when it is due back")
      ->check(ctl::TimeText());
  OnRun(cmd, run, [f](StaffSession& s) -> absl::Status {
    v1::PutAvailabilityRequest req;
    auto availability = ctl::ParseAvailability(f->available);
    if (!availability) {
      return ctl::UsageError("unknown availability \"" + f->available + "\"");
    }
    req.set_item_id(f->item_id);
    req.set_isbn(f->isbn);
    req.set_availability(*availability);
    req.set_call_number(f->call_number);
    if (!f->back.empty()) {
      ASSIGN_OR_RETURN(*req.mutable_available_from(), ctl::ParseTime(f->back));
    }
    v1::PutAvailabilityResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::PutAvailability, req, &reply));
    Emit(reply, s.options().json, ctl::HoldingLine(reply.holding()));
    return absl::OkStatus();
  });

  CLI::App* resync = app.add_subcommand(
      "resync", "Replace every item from an export and send them all");
  resync->group(kWork);
  auto file = std::make_shared<std::string>();
  resync
      ->add_option("--file", *file,
                   "CSV: isbn,item_id,availability,call_number")
      ->required();
  OnRun(resync, run, [file](StaffSession& s) -> absl::Status {
    std::ifstream in(*file);
    std::stringstream csv;
    csv << in.rdbuf();
    if (!in) return ctl::UsageError("cannot read --file " + *file);
    v1::ResyncAvailabilityRequest req;
    req.set_csv(csv.str());
    v1::ResyncAvailabilityResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::ResyncAvailability, req, &reply));
    Emit(reply, s.options().json,
         absl::StrCat(reply.items(), " items; sending to the core"));
    return absl::OkStatus();
  });
}

void AddAction(CLI::App& app, StaffRunner* run, const ctl::ActSpec& spec) {
  CLI::App* cmd = app.add_subcommand(spec.name, spec.help);
  cmd->group(kActions);
  auto f = std::make_shared<ctl::ActFlags>();
  ctl::AddActFlags(cmd, spec, f.get());
  OnRun(cmd, run, [&spec, f](StaffSession& s) -> absl::Status {
    v1::RecordActionRequest req;
    req.set_request_id(f->request_id);
    req.set_action(spec.action);
    req.set_reason(f->reason);
    req.set_note(f->note);
    req.set_tracking_ref(f->tracking);
    req.set_expected_version(f->version.value_or(0));
    if (!f->due.empty()) {
      ASSIGN_OR_RETURN(*req.mutable_due_date(), ctl::ParseTime(f->due));
    }
    v1::RecordActionResponse reply;
    RETURN_IF_ERROR(s.Call(&Stub::RecordAction, req, &reply));
    Emit(reply, s.options().json, "queued " + OutboxLine(reply.entry()));
    return absl::OkStatus();
  });
}

}  // namespace

StaffSession::StaffSession(const StaffOptions& options)
    : options_(options),
      stub_(v1::LocalAgentService::NewStub(grpc::CreateChannel(
          options.agent, grpc::InsecureChannelCredentials()))) {}

void AddStaffCommands(CLI::App& app, StaffRunner* run) {
  AddTasks(app, run);
  AddOutbox(app, run);
  AddStatus(app, run);
  AddAvailability(app, run);
  for (const ctl::ActSpec& spec : ctl::ActSpecs()) AddAction(app, run, spec);
}

}  // namespace silang::agent
