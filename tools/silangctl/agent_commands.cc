// A member library's agent subcommands: AgentService.ListTasks and one
// subcommand per lender or borrower action, all made from kActs.
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/status_macros.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

using Stub = v1::AgentService::Stub;

constexpr char kAgent[] = "Agent";

// Which ActRequest fields beyond the common ones an action takes.
enum Extra : unsigned {
  kNone = 0,
  kReason = 1 << 0,    // --reason, required
  kTracking = 1 << 1,  // --tracking, optional
  kDue = 1 << 2,       // --due, optional
};

struct ActSpec {
  const char* name;
  v1::Action action;
  const char* help;
  unsigned extras;
};

constexpr ActSpec kActs[] = {
    {"will-supply", v1::ACTION_WILL_SUPPLY, "Lender: agree to supply", kNone},
    {"unfilled", v1::ACTION_UNFILLED,
     "Lender: cannot supply; the next lender in the rota is asked", kReason},
    {"retry", v1::ACTION_RETRY_POSSIBLE,
     "Lender: cannot supply now; ask again at the end of the rota", kReason},
    {"ship", v1::ACTION_SHIP, "Lender: the item is on its way", kTracking},
    {"receive", v1::ACTION_RECEIVE, "Borrower: the item has arrived", kNone},
    {"check-out", v1::ACTION_CHECK_OUT, "Borrower: lent to the patron", kDue},
    {"request-renewal", v1::ACTION_REQUEST_RENEWAL,
     "Borrower: ask the lender for a renewal", kNone},
    {"approve-renewal", v1::ACTION_APPROVE_RENEWAL, "Lender: renew the loan",
     kDue},
    {"deny-renewal", v1::ACTION_DENY_RENEWAL, "Lender: refuse the renewal",
     kNone},
    {"recall", v1::ACTION_RECALL, "Lender: recall the item", kNone},
    {"return", v1::ACTION_SHIP_RETURN, "Borrower: the item is on its way back",
     kTracking},
    {"check-in", v1::ACTION_CHECK_IN, "Lender: the item is back", kNone},
    {"confirm-cancel", v1::ACTION_CONFIRM_CANCEL,
     "Lender: accept the borrower's cancellation", kNone},
    {"reject-cancel", v1::ACTION_REJECT_CANCEL,
     "Lender: refuse the cancellation (already shipped)", kNone},
    {"lost", v1::ACTION_MARK_LOST, "Lender or borrower: the item is lost",
     kNone},
};

// The subcommand that performs `action`, so a task says what to type next;
// librarian actions (cancel, rerequest) fall back to the enum's name.
std::string CommandFor(v1::Action action) {
  for (const ActSpec& spec : kActs) {
    if (spec.action == action) return spec.name;
  }
  return absl::AsciiStrToLower(
      absl::StrReplaceAll(ShortName(action), {{"_", "-"}}));
}

std::string TaskLine(const v1::Task& task) {
  std::string out = absl::StrCat(absl::AsciiStrToLower(ShortName(task.role())),
                                 " ", RequestLine(task.request()));
  if (task.actions_size() > 0) {
    out += " | next:";
    for (int action : task.actions()) {
      absl::StrAppend(&out, " ", CommandFor(static_cast<v1::Action>(action)));
    }
  }
  return out;
}

struct TasksFlags {
  std::string library;
  PageFlags page;
};

void AddTasks(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "tasks", "What waits for a library, as lender or borrower");
  cmd->group(kAgent);
  auto f = std::make_shared<TasksFlags>();
  cmd->add_option("LIBRARY", f->library, "Library id (default: --as)");
  AddPageFlags(cmd, &f->page);
  OnRun(cmd, run, [f](Session& s) -> absl::Status {
    v1::ListTasksRequest request;
    if (f->library.empty()) {
      ASSIGN_OR_RETURN(const std::string actor, s.Actor("tasks"));
      request.set_library_id(actor);
    } else {
      request.set_library_id(f->library);
    }
    v1::ListTasksResponse reply;
    RETURN_IF_ERROR(
        FetchPages(s, s.agent(), &Stub::ListTasks, request, f->page, &reply));
    EmitPage(s, reply, Lines(reply.tasks(), TaskLine));
    return absl::OkStatus();
  });
}

struct ActFlags {
  std::string request_id;
  std::optional<uint64_t> version;
  std::string note;
  std::string key;
  v1::Reason reason = v1::REASON_UNSPECIFIED;
  std::string tracking;
  std::string due;
};

absl::Status Act(Session& s, const ActSpec& spec, const ActFlags& f) {
  ASSIGN_OR_RETURN(const std::string actor, s.Actor(spec.name));
  ASSIGN_OR_RETURN(const uint64_t version,
                   RequestVersion(s, f.request_id, f.version));
  v1::ActRequest request;
  request.set_request_id(f.request_id);
  request.set_expected_version(version);
  request.set_actor_library_id(actor);
  request.set_action(spec.action);
  request.set_reason(f.reason);
  request.set_note(f.note);
  request.set_tracking_ref(f.tracking);
  if (!f.due.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_due_date(), ParseTime(f.due));
  }
  request.set_idempotency_key(f.key);
  return CallAndEmit(s, s.agent(), &Stub::Act, request, RequestLine);
}

void AddAct(CLI::App& app, Runner* run, const ActSpec& spec) {
  CLI::App* cmd = app.add_subcommand(spec.name, spec.help);
  cmd->group(kAgent);
  auto f = std::make_shared<ActFlags>();
  cmd->add_option("REQUEST_ID", f->request_id, "Request id, e.g. r-42")
      ->required();
  cmd->add_option("--note", f->note, "Note for the audit trail");
  cmd->add_option("--key", f->key,
                  "Idempotency key: a retry with the same key acts once");
  AddVersionFlag(cmd, &f->version);
  if (spec.extras & kReason) {
    cmd->add_option("--reason", f->reason, "Why, e.g. not-on-shelf")
        ->transform(EnumName<v1::Reason>())
        ->type_name("REASON")
        ->required();
  }
  if (spec.extras & kTracking) {
    cmd->add_option("--tracking", f->tracking, "Shipment tracking reference");
  }
  if (spec.extras & kDue) {
    cmd->add_option("--due", f->due,
                    "Due date; a bare day means its end (23:59:59Z)")
        ->check(TimeText());
  }
  OnRun(cmd, run, [&spec, f](Session& s) { return Act(s, spec, *f); });
}

}  // namespace

void AddAgentCommands(CLI::App& app, Runner* run) {
  AddTasks(app, run);
  for (const ActSpec& spec : kActs) AddAct(app, run, spec);
}

}  // namespace silang::ctl
