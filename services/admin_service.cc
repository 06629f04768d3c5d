#include "services/admin_service.h"

#include "engine/calendar.h"
#include "engine/reports.h"
#include "services/convert.h"
#include "services/work_pool.h"

namespace silang {

grpc::ServerUnaryReactor* AdminService::GetAuditTrail(
    grpc::CallbackServerContext* ctx, const v1::GetAuditTrailRequest* req,
    v1::AuditTrail* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto r = auth_.ReadableRequest(*ctx, engine_, req->request_id(), true);
    if (!r.ok()) return r.status();
    auto events = engine_.AuditTrail(r->id());
    if (!events.ok()) return events.status();
    *resp->mutable_request() = ToApi(*r, RequestView::kFull);
    for (const auto& e : *events) *resp->add_events() = ToApi(e);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::PutLibrary(
    grpc::CallbackServerContext* ctx, const v1::PutLibraryRequest* req,
    v1::Library* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kWriteDirectory); !who.ok()) {
      return who.status();
    }
    auto lib =
        directory_.PutLibrary(FromApi(req->library()), req->expected_version());
    if (lib.ok()) *resp = ToApi(*lib);
    return lib.status();
  });
}

grpc::ServerUnaryReactor* AdminService::PutPartnership(
    grpc::CallbackServerContext* ctx, const v1::PutPartnershipRequest* req,
    v1::Partnership* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kWriteDirectory); !who.ok()) {
      return who.status();
    }
    auto p = directory_.PutPartnership(FromApi(req->partnership()),
                                       req->expected_version());
    if (p.ok()) *resp = ToApi(*p);
    return p.status();
  });
}

grpc::ServerUnaryReactor* AdminService::RunTimers(
    grpc::CallbackServerContext* ctx, const v1::RunTimersRequest*,
    v1::RunTimersResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kAdmin); !who.ok()) {
      return who.status();
    }
    auto sweep = engine_.RunDueTimers();
    if (!sweep.ok()) return sweep.status();
    resp->set_fired(sweep->fired);
    resp->set_failed(sweep->failed);
    resp->set_first_error(std::string(sweep->first_error.message()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::IssueCredential(
    grpc::CallbackServerContext* ctx, const v1::IssueCredentialRequest* req,
    v1::IssueCredentialResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who = auth_.Check(*ctx, Operation::kAdmin);
    if (!who.ok()) return who.status();
    auto issued = credentials_.Issue(
        static_cast<storage::v1::CredentialRole>(req->role()),
        req->library_id(), req->label(), absl::Seconds(req->ttl_seconds()),
        who->credential_id);
    if (issued.ok()) {
      *resp->mutable_credential() = ToApi(issued->record);
      resp->set_token(issued->token);
    }
    return issued.status();
  });
}

grpc::ServerUnaryReactor* AdminService::ListCredentials(
    grpc::CallbackServerContext* ctx, const v1::ListCredentialsRequest*,
    v1::ListCredentialsResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kAdmin); !who.ok()) {
      return who.status();
    }
    auto list = credentials_.List();
    if (list.ok()) {
      for (const auto& c : *list) *resp->add_credentials() = ToApi(c);
    }
    return list.status();
  });
}

grpc::ServerUnaryReactor* AdminService::RevokeCredential(
    grpc::CallbackServerContext* ctx, const v1::RevokeCredentialRequest* req,
    v1::RevokeCredentialResponse*) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kAdmin); !who.ok()) {
      return who.status();
    }
    return credentials_.Revoke(req->credential_id());
  });
}

grpc::ServerUnaryReactor* AdminService::Evaluate(
    grpc::CallbackServerContext* ctx, const v1::EvaluateRequest* req,
    v1::Evaluation* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    auto who = auth_.Check(*ctx, Operation::kAdmin);
    if (!who.ok()) return who.status();
    auto from = calendar::ParseDay(req->from_date());
    if (!from.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("from_date: ", from.status().message()));
    }
    auto to = calendar::ParseDay(req->to_date());
    if (!to.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("to_date: ", to.status().message()));
    }
    auto e =
        silang::Evaluate(engine_.store(), directory_, req->partnership_id(),
                         req->library_id(), *from, *to);
    if (e.ok()) *resp = ToApi(*e);
    return e.status();
  });
}

}  // namespace silang
