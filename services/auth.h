// Auth: who is calling a handler, and may it do this?
//
// Reads "authorization: Bearer <token>" from the call's metadata, checks the
// token with engine Credentials and the operation with engine/access.h.
// UNAUTHENTICATED without a valid credential, PERMISSION_DENIED outside the
// caller's scope; every denial is logged once, here, with the peer. In demo
// mode every caller is an admin (silangd says so at start-up).
#ifndef SILANG_SERVICES_AUTH_H_
#define SILANG_SERVICES_AUTH_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/access.h"
#include "engine/credentials.h"
#include "engine/requests.h"
#include "grpcpp/server_context.h"

namespace silang {

class Auth {
 public:
  // credentials may be null only in demo mode.
  Auth(const Credentials* credentials, bool demo)
      : credentials_(credentials), demo_(demo) {}

  // The caller, if its credential is valid.
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& ctx) const;
  // The caller, if it may do `op` on `library_id`.
  absl::StatusOr<Principal> Check(const grpc::ServerContextBase& ctx,
                                  Operation op,
                                  absl::string_view library_id = "") const;
  // Reading one request (audit: its audit trail).
  absl::Status CheckRead(const grpc::ServerContextBase& ctx,
                         const Principal& who,
                         const storage::v1::RequestRecord& request,
                         bool audit) const;

  // The request named by request_id, if the caller may read it (audit:
  // its audit trail): authenticate, parse the id, load, check.
  absl::StatusOr<RequestRecord> ReadableRequest(
      const grpc::ServerContextBase& ctx, const RequestEngine& engine,
      absl::string_view request_id, bool audit) const;

  bool demo() const { return demo_; }

 private:
  absl::Status Logged(const grpc::ServerContextBase& ctx,
                      absl::Status denial) const;

  const Credentials* credentials_;
  const bool demo_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_AUTH_H_
