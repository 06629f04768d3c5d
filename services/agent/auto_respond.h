// The auto-responder's rule, for libraries that let silang-agent answer
// new requests by itself (--auto-respond): a request sent to this library
// as lender, for an ISBN, is answered WILL_SUPPLY when a local copy is on
// the shelf (per the agent's item table) and UNFILLED (NOT_ON_SHELF) when
// none is. Anything else waits for staff. Pure; thread-safe.
#ifndef SILANG_SERVICES_AGENT_AUTO_RESPOND_H_
#define SILANG_SERVICES_AGENT_AUTO_RESPOND_H_

#include <optional>

#include "silang/v1/agent.pb.h"
#include "silang/v1/agent_local.pb.h"

namespace silang::agent {

// True if the auto-responder answers this task (then look up the ISBN).
bool WantsAutoAnswer(const v1::Task& task);

// The answer, at the task's version. REQUIRES: WantsAutoAnswer(task).
v1::RecordActionRequest AutoAnswer(const v1::Task& task, bool on_shelf);

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_AUTO_RESPOND_H_
