// DirectoryService: libraries, partnerships and holdings, over Directory.
#ifndef SILANG_SERVICES_DIRECTORY_SERVICE_H_
#define SILANG_SERVICES_DIRECTORY_SERVICE_H_

#include "engine/directory.h"
#include "services/auth.h"
#include "services/work_pool.h"
#include "silang/v1/directory.grpc.pb.h"

namespace silang {

class DirectoryService final : public v1::DirectoryService::CallbackService {
 public:
  DirectoryService(Directory& directory, const Auth& auth, WorkPool& pool)
      : directory_(directory), auth_(auth), pool_(pool) {}

  grpc::ServerUnaryReactor* GetLibrary(grpc::CallbackServerContext* ctx,
                                       const v1::GetLibraryRequest* req,
                                       v1::Library* resp) override;
  grpc::ServerUnaryReactor* ListLibraries(
      grpc::CallbackServerContext* ctx, const v1::ListLibrariesRequest* req,
      v1::ListLibrariesResponse* resp) override;
  grpc::ServerUnaryReactor* GetPartnership(
      grpc::CallbackServerContext* ctx, const v1::GetPartnershipRequest* req,
      v1::Partnership* resp) override;
  grpc::ServerUnaryReactor* ListPartnerships(
      grpc::CallbackServerContext* ctx,
      const v1::ListPartnershipsRequest* req,
      v1::ListPartnershipsResponse* resp) override;
  grpc::ServerUnaryReactor* ListHoldings(
      grpc::CallbackServerContext* ctx, const v1::ListHoldingsRequest* req,
      v1::ListHoldingsResponse* resp) override;
  grpc::ServerUnaryReactor* PutHoldings(
      grpc::CallbackServerContext* ctx, const v1::PutHoldingsRequest* req,
      v1::PutHoldingsResponse* resp) override;

 private:
  Directory& directory_;
  const Auth& auth_;
  WorkPool& pool_;  // runs the handlers' engine calls
};

}  // namespace silang

#endif  // SILANG_SERVICES_DIRECTORY_SERVICE_H_
