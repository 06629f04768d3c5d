#include "services/admin_service.h"

#include "services/convert.h"
#include "services/reply.h"

namespace silang {

grpc::ServerUnaryReactor* AdminService::GetAuditTrail(
    grpc::CallbackServerContext* ctx, const v1::GetAuditTrailRequest* req,
    v1::AuditTrail* resp) {
  auto id = ParseRequestId(req->request_id());
  if (!id.ok()) return Reply(ctx, id.status());
  auto r = engine_.Get(*id);
  if (!r.ok()) return Reply(ctx, r.status());
  auto events = engine_.AuditTrail(*id);
  if (!events.ok()) return Reply(ctx, events.status());
  *resp->mutable_request() = ToApi(*r);
  for (const auto& e : *events) *resp->add_events() = ToApi(e);
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::PutLibrary(
    grpc::CallbackServerContext* ctx, const v1::PutLibraryRequest* req,
    v1::Library* resp) {
  auto lib = directory_.PutLibrary(FromApi(req->library()),
                                   req->expected_version());
  if (lib.ok()) *resp = ToApi(*lib);
  return Reply(ctx, lib.status());
}

grpc::ServerUnaryReactor* AdminService::PutPartnership(
    grpc::CallbackServerContext* ctx, const v1::PutPartnershipRequest* req,
    v1::Partnership* resp) {
  auto p = directory_.PutPartnership(FromApi(req->partnership()),
                                     req->expected_version());
  if (p.ok()) *resp = ToApi(*p);
  return Reply(ctx, p.status());
}

grpc::ServerUnaryReactor* AdminService::RunTimers(
    grpc::CallbackServerContext* ctx, const v1::RunTimersRequest*,
    v1::RunTimersResponse* resp) {
  auto sweep = engine_.RunDueTimers();
  if (!sweep.ok()) return Reply(ctx, sweep.status());
  resp->set_fired(sweep->fired);
  resp->set_failed(sweep->failed);
  resp->set_first_error(std::string(sweep->first_error.message()));
  return Reply(ctx, absl::OkStatus());
}

}  // namespace silang
