#include "services/auth.h"

#include <string>

#include "absl/strings/match.h"
#include "spdlog/spdlog.h"

namespace silang {

absl::Status Auth::Logged(const grpc::ServerContextBase& ctx,
                          absl::Status denial) const {
  spdlog::warn("denied {}: {}", ctx.peer(), std::string(denial.message()));
  return denial;
}

absl::StatusOr<Principal> Auth::Authenticate(
    const grpc::ServerContextBase& ctx) const {
  if (demo_) {
    Principal p;
    p.role = storage::v1::CREDENTIAL_ROLE_ADMIN;
    p.demo = true;
    return p;
  }
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  std::string token;
  if (it != metadata.end()) {
    absl::string_view value(it->second.data(), it->second.size());
    if (absl::StartsWithIgnoreCase(value, "bearer ")) {
      token = std::string(value.substr(7));
    }
  }
  auto who = credentials_->Authenticate(token);
  if (!who.ok()) return Logged(ctx, who.status());
  return who;
}

absl::StatusOr<Principal> Auth::Check(const grpc::ServerContextBase& ctx,
                                      Operation op,
                                      absl::string_view library_id) const {
  auto who = Authenticate(ctx);
  if (!who.ok()) return who.status();
  if (absl::Status s = Authorize(*who, op, library_id); !s.ok()) {
    return Logged(ctx, s);
  }
  return who;
}

absl::Status Auth::CheckRead(const grpc::ServerContextBase& ctx,
                             const Principal& who,
                             const storage::v1::RequestRecord& request,
                             bool audit) const {
  absl::Status s = AuthorizeRead(who, request, audit);
  return s.ok() ? s : Logged(ctx, s);
}

absl::StatusOr<RequestRecord> Auth::ReadableRequest(
    const grpc::ServerContextBase& ctx, const RequestEngine& engine,
    absl::string_view request_id, bool audit) const {
  auto who = Authenticate(ctx);
  if (!who.ok()) return who.status();
  auto id = ParseRequestId(request_id);
  if (!id.ok()) return id.status();
  auto r = engine.Get(*id);
  if (!r.ok()) return r.status();
  if (absl::Status s = CheckRead(ctx, *who, *r, audit); !s.ok()) return s;
  return r;
}

}  // namespace silang
