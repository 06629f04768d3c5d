#include "engine/task_view.h"

namespace silang {

TaskView TaskViewFor(State state, ServiceType service,
                     absl::string_view borrower_library_id,
                     absl::string_view current_lender_id,
                     absl::string_view library_id) {
  TaskView view;
  for (Role role : {storage::v1::ROLE_LENDER, storage::v1::ROLE_BORROWER}) {
    const absl::string_view holder = role == storage::v1::ROLE_LENDER
                                         ? current_lender_id
                                         : borrower_library_id;
    if (library_id.empty() || holder != library_id) continue;
    view.actions = fsm::ActionsFor(state, service, role);
    if (!view.actions.empty()) {
      view.role = role;
      return view;
    }
  }
  return view;
}

}  // namespace silang
