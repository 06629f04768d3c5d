// AgentService: a member library's work list and its lender and borrower
// actions, over RequestEngine, and the stream of its task changes
// (SubscribeTasks: an async-API method, served by TaskStreams on
// completion queues of its own; services/task_stream.h says why).
#ifndef SILANG_SERVICES_AGENT_SERVICE_H_
#define SILANG_SERVICES_AGENT_SERVICE_H_

#include "engine/requests.h"
#include "services/auth.h"
#include "services/task_stream.h"
#include "services/work_pool.h"
#include "silang/v1/agent.grpc.pb.h"

namespace silang {

class AgentService final
    : public v1::AgentService::WithCallbackMethod_ListTasks<
          v1::AgentService::WithCallbackMethod_Act<TaskStreams::AsyncService>> {
 public:
  AgentService(RequestEngine& engine, const Auth& auth, TaskStreams& streams,
               WorkPool& pool)
      : engine_(engine), auth_(auth), streams_(streams), pool_(pool) {}

  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const v1::ListTasksRequest* req,
                                      v1::ListTasksResponse* resp) override;
  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* ctx,
                                const v1::ActRequest* req,
                                v1::Request* resp) override;

  // Starts serving SubscribeTasks (TaskStreams::Serve): new calls are
  // announced on `accept_queue`, from the ServerBuilder this service was
  // registered with, after BuildAndStart.
  void ServeStreams(std::unique_ptr<grpc::ServerCompletionQueue> accept_queue,
                    int call_queues);

 private:
  RequestEngine& engine_;
  const Auth& auth_;
  TaskStreams& streams_;
  WorkPool& pool_;  // runs the handlers' engine calls
};

}  // namespace silang

#endif  // SILANG_SERVICES_AGENT_SERVICE_H_
