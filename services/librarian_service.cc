#include "services/librarian_service.h"

#include "services/convert.h"
#include "services/work_pool.h"

namespace silang {

grpc::ServerUnaryReactor* LibrarianService::SubmitRequest(
    grpc::CallbackServerContext* ctx, const v1::SubmitRequestRequest* req,
    v1::SubmitRequestResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who =
        auth_.Check(*ctx, Operation::kSubmit, req->borrower_library_id());
    if (!who.ok()) return who.status();
    auto title_key = TitleKeyOf(req->title());
    if (!title_key.ok()) return title_key.status();
    SubmitCommand cmd;
    cmd.idempotency_key = req->idempotency_key();
    auto& p = cmd.payload;
    p.set_borrower_library_id(req->borrower_library_id());
    p.set_pickup_library_id(req->pickup_library_id());
    p.set_patron_ref(req->patron_ref());
    p.set_title_key(*title_key);
    *p.mutable_bib() = FromApi(req->bib());
    p.set_service_type(
        static_cast<storage::v1::ServiceType>(req->service_type()));
    p.set_service_level(
        static_cast<storage::v1::ServiceLevel>(req->service_level()));
    p.set_material_type(
        static_cast<storage::v1::MaterialType>(req->material_type()));
    p.set_note(req->note());
    auto result = engine_.Submit(std::move(cmd));
    if (result.ok()) {
      *resp->mutable_request() =
          ToApi(std::move(result->request), RequestView::kRouted);
      resp->set_created(result->created);
    }
    return result.status();
  });
}

grpc::ServerUnaryReactor* LibrarianService::GetRequest(
    grpc::CallbackServerContext* ctx, const v1::GetRequestRequest* req,
    v1::Request* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto r = auth_.ReadableRequest(*ctx, engine_, req->request_id(), false);
    if (r.ok()) *resp = ToApi(*r, RequestView::kFull);
    return r.status();
  });
}

grpc::ServerUnaryReactor* LibrarianService::ListRequests(
    grpc::CallbackServerContext* ctx, const v1::ListRequestsRequest* req,
    v1::ListRequestsResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who = auth_.Check(*ctx, Operation::kListRequests,
                           req->borrower_library_id().empty()
                               ? req->lender_library_id()
                               : req->borrower_library_id());
    if (!who.ok()) return who.status();
    ListQuery q;
    q.borrower_library_id = req->borrower_library_id();
    q.lender_library_id = req->lender_library_id();
    for (int s : req->states()) {
      q.states.push_back(static_cast<storage::v1::State>(s));
    }
    if (req->has_created_after()) {
      q.created_after_us = MicrosOf(req->created_after());
    }
    if (req->has_created_before()) {
      q.created_before_us = MicrosOf(req->created_before());
    }
    q.partnership_id = req->partnership_id();
    q.page_size = req->page_size();
    q.page_token = req->page_token();
    auto page = engine_.List(q);
    if (page.ok()) {
      for (const auto& r : page->items) {
        *resp->add_requests() = ToApi(r, RequestView::kRouted);
      }
      resp->set_next_page_token(page->next_token);
    }
    return page.status();
  });
}

template <typename Req>
grpc::ServerUnaryReactor* LibrarianService::BorrowerAct(
    grpc::CallbackServerContext* ctx, const Req& req,
    storage::v1::Action action, v1::Request* resp,
    storage::v1::ServiceType service_type) {
  return Offload(
      ctx, pool_,
      [this, ctx, &req, action, resp, service_type]() -> absl::Status {
        auto who = auth_.Check(*ctx, Operation::kAct, req.actor_library_id());
        if (!who.ok()) return who.status();
        auto id = ParseRequestId(req.request_id());
        if (!id.ok()) return id.status();
        ActCommand cmd;
        cmd.request_id = *id;
        cmd.expected_version = req.expected_version();
        cmd.actor_library_id = req.actor_library_id();
        cmd.action = action;
        cmd.note = req.note();
        cmd.service_type = service_type;
        auto r = engine_.Act(cmd);
        if (r.ok()) *resp = ToApi(*std::move(r), RequestView::kRouted);
        return r.status();
      });
}

grpc::ServerUnaryReactor* LibrarianService::CancelRequest(
    grpc::CallbackServerContext* ctx, const v1::CancelRequestRequest* req,
    v1::Request* resp) {
  return BorrowerAct(ctx, *req, storage::v1::ACTION_CANCEL, resp);
}

grpc::ServerUnaryReactor* LibrarianService::RenewRequest(
    grpc::CallbackServerContext* ctx, const v1::RenewRequestRequest* req,
    v1::Request* resp) {
  return BorrowerAct(ctx, *req, storage::v1::ACTION_REQUEST_RENEWAL, resp);
}

grpc::ServerUnaryReactor* LibrarianService::Rerequest(
    grpc::CallbackServerContext* ctx, const v1::RerequestRequest* req,
    v1::Request* resp) {
  return BorrowerAct(
      ctx, *req, storage::v1::ACTION_REREQUEST, resp,
      static_cast<storage::v1::ServiceType>(req->service_type()));
}

}  // namespace silang
