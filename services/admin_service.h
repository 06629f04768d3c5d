// AdminService: the audit trail, directory writes and timer runs.
#ifndef SILANG_SERVICES_ADMIN_SERVICE_H_
#define SILANG_SERVICES_ADMIN_SERVICE_H_

#include "engine/credentials.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "services/auth.h"
#include "services/work_pool.h"
#include "silang/v1/admin.grpc.pb.h"

namespace silang {

class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(RequestEngine& engine, Directory& directory,
               Credentials& credentials, const Auth& auth, WorkPool& pool)
      : engine_(engine),
        directory_(directory),
        credentials_(credentials),
        auth_(auth),
        pool_(pool) {}

  grpc::ServerUnaryReactor* GetAuditTrail(grpc::CallbackServerContext* ctx,
                                          const v1::GetAuditTrailRequest* req,
                                          v1::AuditTrail* resp) override;
  grpc::ServerUnaryReactor* PutLibrary(grpc::CallbackServerContext* ctx,
                                       const v1::PutLibraryRequest* req,
                                       v1::Library* resp) override;
  grpc::ServerUnaryReactor* PutPartnership(
      grpc::CallbackServerContext* ctx, const v1::PutPartnershipRequest* req,
      v1::Partnership* resp) override;
  grpc::ServerUnaryReactor* RunTimers(grpc::CallbackServerContext* ctx,
                                      const v1::RunTimersRequest* req,
                                      v1::RunTimersResponse* resp) override;
  grpc::ServerUnaryReactor* IssueCredential(
      grpc::CallbackServerContext* ctx, const v1::IssueCredentialRequest* req,
      v1::IssueCredentialResponse* resp) override;
  grpc::ServerUnaryReactor* ListCredentials(
      grpc::CallbackServerContext* ctx, const v1::ListCredentialsRequest* req,
      v1::ListCredentialsResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeCredential(
      grpc::CallbackServerContext* ctx, const v1::RevokeCredentialRequest* req,
      v1::RevokeCredentialResponse* resp) override;
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* ctx,
                                     const v1::EvaluateRequest* req,
                                     v1::Evaluation* resp) override;

 private:
  RequestEngine& engine_;
  Directory& directory_;
  Credentials& credentials_;
  const Auth& auth_;
  WorkPool& pool_;  // runs the handlers' engine calls
};

}  // namespace silang

#endif  // SILANG_SERVICES_ADMIN_SERVICE_H_
