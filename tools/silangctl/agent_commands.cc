// A member library's agent subcommands: AgentService.ListTasks and one
// subcommand per lender or borrower action, all made from ActSpecs().
#include <memory>

#include "engine/status_macros.h"
#include "tools/silangctl/acts.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

using Agent = v1::AgentService::Stub;

constexpr char kAgent[] = "Agent";

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
        FetchPages(s, s.agent(), &Agent::ListTasks, request, f->page, &reply));
    EmitPage(s, reply, Lines(reply.tasks(), TaskLine));
    return absl::OkStatus();
  });
}

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
  return CallAndEmit(s, s.agent(), &Agent::Act, request, RequestLine);
}

void AddAct(CLI::App& app, Runner* run, const ActSpec& spec) {
  CLI::App* cmd = app.add_subcommand(spec.name, spec.help);
  cmd->group(kAgent);
  auto f = std::make_shared<ActFlags>();
  AddActFlags(cmd, spec, f.get());
  cmd->add_option("--key", f->key,
                  "Idempotency key: a retry with the same key acts once");
  OnRun(cmd, run, [&spec, f](Session& s) { return Act(s, spec, *f); });
}

}  // namespace

void AddAgentCommands(CLI::App& app, Runner* run) {
  AddTasks(app, run);
  for (const ActSpec& spec : ActSpecs()) AddAct(app, run, spec);
}

}  // namespace silang::ctl
