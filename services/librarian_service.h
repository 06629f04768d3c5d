// LibrarianService: the borrowing librarian's calls, over RequestEngine.
#ifndef SILANG_SERVICES_LIBRARIAN_SERVICE_H_
#define SILANG_SERVICES_LIBRARIAN_SERVICE_H_

#include "engine/requests.h"
#include "services/auth.h"
#include "services/work_pool.h"
#include "silang/v1/librarian.grpc.pb.h"

namespace silang {

class LibrarianService final : public v1::LibrarianService::CallbackService {
 public:
  LibrarianService(RequestEngine& engine, const Auth& auth, WorkPool& pool)
      : engine_(engine), auth_(auth), pool_(pool) {}

  grpc::ServerUnaryReactor* SubmitRequest(
      grpc::CallbackServerContext* ctx, const v1::SubmitRequestRequest* req,
      v1::SubmitRequestResponse* resp) override;
  grpc::ServerUnaryReactor* GetRequest(grpc::CallbackServerContext* ctx,
                                       const v1::GetRequestRequest* req,
                                       v1::Request* resp) override;
  grpc::ServerUnaryReactor* ListRequests(
      grpc::CallbackServerContext* ctx, const v1::ListRequestsRequest* req,
      v1::ListRequestsResponse* resp) override;
  grpc::ServerUnaryReactor* CancelRequest(grpc::CallbackServerContext* ctx,
                                          const v1::CancelRequestRequest* req,
                                          v1::Request* resp) override;
  grpc::ServerUnaryReactor* RenewRequest(grpc::CallbackServerContext* ctx,
                                         const v1::RenewRequestRequest* req,
                                         v1::Request* resp) override;
  grpc::ServerUnaryReactor* Rerequest(grpc::CallbackServerContext* ctx,
                                      const v1::RerequestRequest* req,
                                      v1::Request* resp) override;

 private:
  // The borrower-side actions behind Cancel, Renew and Rerequest.
  template <typename Req>
  grpc::ServerUnaryReactor* BorrowerAct(grpc::CallbackServerContext* ctx,
                                        const Req& req,
                                        storage::v1::Action action,
                                        v1::Request* resp,
                                        storage::v1::ServiceType service_type =
                                            storage::v1::SERVICE_TYPE_UNSPECIFIED);

  RequestEngine& engine_;
  const Auth& auth_;
  WorkPool& pool_;  // runs the handlers' engine calls
};

}  // namespace silang

#endif  // SILANG_SERVICES_LIBRARIAN_SERVICE_H_
