// AgentService: a member library's work list and its lender and borrower
// actions, over RequestEngine.
#ifndef SILANG_SERVICES_AGENT_SERVICE_H_
#define SILANG_SERVICES_AGENT_SERVICE_H_

#include "engine/requests.h"
#include "services/auth.h"
#include "silang/v1/agent.grpc.pb.h"

namespace silang {

class AgentService final : public v1::AgentService::CallbackService {
 public:
  AgentService(RequestEngine& engine, const Auth& auth)
      : engine_(engine), auth_(auth) {}

  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const v1::ListTasksRequest* req,
                                      v1::ListTasksResponse* resp) override;
  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* ctx,
                                const v1::ActRequest* req,
                                v1::Request* resp) override;

 private:
  RequestEngine& engine_;
  const Auth& auth_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_AGENT_SERVICE_H_
