// TaskView: one library's side of a request right now, and what it may do.
// The rule matches the open-tasks index RequestEngine keeps: the current
// lender's task if the lender can act, else the borrower's if the borrower
// can act, else none. Used by the core's task stream (which sends it with
// each event) and by silang-agent (which updates its cache from Act
// replies). Pure; thread-safe.
#ifndef SILANG_ENGINE_TASK_VIEW_H_
#define SILANG_ENGINE_TASK_VIEW_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "engine/request_fsm.h"

namespace silang {

struct TaskView {
  Role role = storage::v1::ROLE_UNSPECIFIED;  // UNSPECIFIED: not its task
  std::vector<Action> actions;                // empty iff role UNSPECIFIED
};

TaskView TaskViewFor(State state, ServiceType service,
                     absl::string_view borrower_library_id,
                     absl::string_view current_lender_id,
                     absl::string_view library_id);

}  // namespace silang

#endif  // SILANG_ENGINE_TASK_VIEW_H_
