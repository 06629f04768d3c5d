#include "services/agent/auto_respond.h"

#include <algorithm>

namespace silang::agent {

bool WantsAutoAnswer(const v1::Task& task) {
  const v1::Request& r = task.request();
  const auto& actions = task.actions();
  return task.role() == v1::ROLE_LENDER &&
         r.state() == v1::REQUEST_STATE_SENT_TO_LENDER &&
         r.title().key_case() == v1::TitleRef::kIsbn &&
         std::find(actions.begin(), actions.end(), v1::ACTION_WILL_SUPPLY) !=
             actions.end() &&
         std::find(actions.begin(), actions.end(), v1::ACTION_UNFILLED) !=
             actions.end();
}

v1::RecordActionRequest AutoAnswer(const v1::Task& task, bool on_shelf) {
  v1::RecordActionRequest answer;
  answer.set_request_id(task.request().id());
  answer.set_expected_version(task.request().version());
  if (on_shelf) {
    answer.set_action(v1::ACTION_WILL_SUPPLY);
    answer.set_note("auto: on the shelf");
  } else {
    answer.set_action(v1::ACTION_UNFILLED);
    answer.set_reason(v1::REASON_NOT_ON_SHELF);
    answer.set_note("auto: no copy on the shelf");
  }
  return answer;
}

}  // namespace silang::agent
