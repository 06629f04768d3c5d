// CoreLink: the unary calls silang-agent makes to silangd. An interface,
// so the outbox sender and the availability pusher can be driven in tests
// by a fake core that fails, rejects or answers on cue.
#ifndef SILANG_SERVICES_AGENT_CORE_LINK_H_
#define SILANG_SERVICES_AGENT_CORE_LINK_H_

#include "absl/status/statusor.h"
#include "silang/v1/agent.pb.h"
#include "silang/v1/directory.pb.h"

namespace silang::agent {

class CoreLink {
 public:
  virtual ~CoreLink() = default;
  // AgentService.Act. The status carries the core's code and message.
  virtual absl::StatusOr<v1::Request> Act(const v1::ActRequest& request) = 0;
  // DirectoryService.PutHoldings.
  virtual absl::Status PutHoldings(const v1::PutHoldingsRequest& request) = 0;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_CORE_LINK_H_
