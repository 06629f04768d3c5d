#include "services/agent_service.h"

#include "services/convert.h"
#include "services/work_pool.h"

namespace silang {

grpc::ServerUnaryReactor* AgentService::ListTasks(
    grpc::CallbackServerContext* ctx, const v1::ListTasksRequest* req,
    v1::ListTasksResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who = auth_.Check(*ctx, Operation::kTasks, req->library_id());
    if (!who.ok()) return who.status();
    auto page =
        engine_.Tasks(req->library_id(), req->page_size(), req->page_token());
    if (page.ok()) {
      for (const Task& t : page->items) {
        v1::Task* out = resp->add_tasks();
        *out->mutable_request() = ToApi(t.request, RequestView::kRouted);
        out->set_role(static_cast<v1::Role>(t.role));
        for (auto a : t.actions) out->add_actions(static_cast<v1::Action>(a));
      }
      resp->set_next_page_token(page->next_token);
    }
    return page.status();
  });
}

grpc::ServerUnaryReactor* AgentService::Act(grpc::CallbackServerContext* ctx,
                                            const v1::ActRequest* req,
                                            v1::Request* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who = auth_.Check(*ctx, Operation::kAct, req->actor_library_id());
    if (!who.ok()) return who.status();
    auto id = ParseRequestId(req->request_id());
    if (!id.ok()) return id.status();
    ActCommand cmd;
    cmd.request_id = *id;
    cmd.expected_version = req->expected_version();
    cmd.actor_library_id = req->actor_library_id();
    cmd.action = static_cast<storage::v1::Action>(req->action());
    cmd.reason = static_cast<storage::v1::Reason>(req->reason());
    cmd.note = req->note();
    cmd.tracking_ref = req->tracking_ref();
    if (req->has_due_date()) cmd.due_date_us = MicrosOf(req->due_date());
    cmd.idempotency_key = req->idempotency_key();
    auto r = engine_.Act(cmd);
    if (r.ok()) *resp = ToApi(*std::move(r), RequestView::kRouted);
    return r.status();
  });
}

void AgentService::ServeStreams(
    std::unique_ptr<grpc::ServerCompletionQueue> accept_queue,
    int call_queues) {
  streams_.Serve(
      *this,
      [this](const grpc::ServerContext& ctx,
             const v1::SubscribeTasksRequest& req) -> absl::Status {
        absl::Status admitted =
            auth_.Check(ctx, Operation::kTasks, req.library_id()).status();
        if (!admitted.ok()) return admitted;
        return Directory::ValidateId("library_id", req.library_id());
      },
      std::move(accept_queue), call_queues);
}

}  // namespace silang
