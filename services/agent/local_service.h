// LocalAgentService: the agent's staff port
// (proto/silang/v1/agent_local.proto), bound to localhost. Each handler is one
// Agent call; none waits for the core.
#ifndef SILANG_SERVICES_AGENT_LOCAL_SERVICE_H_
#define SILANG_SERVICES_AGENT_LOCAL_SERVICE_H_

#include "services/agent/agent.h"
#include "silang/v1/agent_local.grpc.pb.h"

namespace silang::agent {

class LocalService final : public v1::LocalAgentService::CallbackService {
 public:
  explicit LocalService(Agent& agent) : agent_(agent) {}

  grpc::ServerUnaryReactor* ListLocalTasks(
      grpc::CallbackServerContext* ctx, const v1::ListLocalTasksRequest* req,
      v1::ListLocalTasksResponse* resp) override;
  grpc::ServerUnaryReactor* RecordAction(
      grpc::CallbackServerContext* ctx, const v1::RecordActionRequest* req,
      v1::RecordActionResponse* resp) override;
  grpc::ServerUnaryReactor* ListOutbox(grpc::CallbackServerContext* ctx,
                                       const v1::ListOutboxRequest* req,
                                       v1::ListOutboxResponse* resp) override;
  grpc::ServerUnaryReactor* DiscardAction(
      grpc::CallbackServerContext* ctx, const v1::DiscardActionRequest* req,
      v1::DiscardActionResponse* resp) override;
  grpc::ServerUnaryReactor* PutAvailability(
      grpc::CallbackServerContext* ctx, const v1::PutAvailabilityRequest* req,
      v1::PutAvailabilityResponse* resp) override;
  grpc::ServerUnaryReactor* ResyncAvailability(
      grpc::CallbackServerContext* ctx,
      const v1::ResyncAvailabilityRequest* req,
      v1::ResyncAvailabilityResponse* resp) override;
  grpc::ServerUnaryReactor* GetAgentStatus(
      grpc::CallbackServerContext* ctx, const v1::GetAgentStatusRequest* req,
      v1::GetAgentStatusResponse* resp) override;

 private:
  Agent& agent_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_LOCAL_SERVICE_H_
