#include "services/agent/local_service.h"

#include "services/reply.h"

namespace silang::agent {

grpc::ServerUnaryReactor* LocalService::ListLocalTasks(
    grpc::CallbackServerContext* ctx, const v1::ListLocalTasksRequest* req,
    v1::ListLocalTasksResponse* resp) {
  auto tasks = agent_.ListTasks(req->include_closed());
  if (tasks.ok()) *resp = *std::move(tasks);
  return Reply(ctx, tasks.status());
}

grpc::ServerUnaryReactor* LocalService::RecordAction(
    grpc::CallbackServerContext* ctx, const v1::RecordActionRequest* req,
    v1::RecordActionResponse* resp) {
  auto entry = agent_.Record(*req);
  if (entry.ok()) *resp->mutable_entry() = *std::move(entry);
  return Reply(ctx, entry.status());
}

grpc::ServerUnaryReactor* LocalService::ListOutbox(
    grpc::CallbackServerContext* ctx, const v1::ListOutboxRequest* req,
    v1::ListOutboxResponse* resp) {
  auto entries = agent_.ListOutbox(req->include_delivered());
  if (entries.ok()) {
    for (auto& e : *entries) *resp->add_entries() = std::move(e);
  }
  return Reply(ctx, entries.status());
}

grpc::ServerUnaryReactor* LocalService::DiscardAction(
    grpc::CallbackServerContext* ctx, const v1::DiscardActionRequest* req,
    v1::DiscardActionResponse* resp) {
  auto entry = agent_.Discard(req->seq());
  if (entry.ok()) *resp->mutable_entry() = *std::move(entry);
  return Reply(ctx, entry.status());
}

grpc::ServerUnaryReactor* LocalService::PutAvailability(
    grpc::CallbackServerContext* ctx, const v1::PutAvailabilityRequest* req,
    v1::PutAvailabilityResponse* resp) {
  auto holding = agent_.PutAvailability(*req);
  if (holding.ok()) *resp->mutable_holding() = *std::move(holding);
  return Reply(ctx, holding.status());
}

grpc::ServerUnaryReactor* LocalService::ResyncAvailability(
    grpc::CallbackServerContext* ctx, const v1::ResyncAvailabilityRequest* req,
    v1::ResyncAvailabilityResponse* resp) {
  auto items = agent_.Resync(req->csv());
  if (items.ok()) resp->set_items(*items);
  return Reply(ctx, items.status());
}

grpc::ServerUnaryReactor* LocalService::GetAgentStatus(
    grpc::CallbackServerContext* ctx, const v1::GetAgentStatusRequest*,
    v1::GetAgentStatusResponse* resp) {
  *resp = agent_.Status();
  return Reply(ctx, absl::OkStatus());
}

}  // namespace silang::agent
