// Helpers shared by the callback-API service handlers.
#ifndef SILANG_SERVICES_REPLY_H_
#define SILANG_SERVICES_REPLY_H_

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "services/convert.h"

namespace silang {

// Finishes a unary call with the engine's status.
inline grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* ctx,
                                       const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpc(status));
  return reactor;
}

}  // namespace silang

#endif  // SILANG_SERVICES_REPLY_H_
