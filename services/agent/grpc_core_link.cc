#include "services/agent/grpc_core_link.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace silang::agent {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // absl and gRPC share the canonical code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::unique_ptr<GrpcCoreLink>> GrpcCoreLink::Create(
    CoreOptions options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!options.tls_ca_file.empty()) {
    std::ifstream file(options.tls_ca_file);
    std::stringstream pem;
    pem << file.rdbuf();
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read --tls-ca ", options.tls_ca_file));
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  // Notice a dead link (NAT timeouts, a pulled cable) within a minute
  // instead of waiting for the stream's own deadline.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  // Reconnect attempts are paced by the agent's own backoff.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5'000);
  auto channel = grpc::CreateCustomChannel(options.address, credentials, args);
  return std::unique_ptr<GrpcCoreLink>(
      new GrpcCoreLink(std::move(options), std::move(channel)));
}

GrpcCoreLink::GrpcCoreLink(CoreOptions options,
                           std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      agent_(v1::AgentService::NewStub(channel_)),
      directory_(v1::DirectoryService::NewStub(channel_)) {}

void GrpcCoreLink::Prepare(grpc::ClientContext& ctx,
                           absl::Duration timeout) const {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!options_.token.empty()) {
    ctx.AddMetadata("authorization", "Bearer " + options_.token);
  }
}

absl::StatusOr<v1::Request> GrpcCoreLink::Act(const v1::ActRequest& request) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  v1::Request reply;
  absl::Status status = FromGrpc(agent_->Act(&ctx, request, &reply));
  if (!status.ok()) return status;
  return reply;
}

absl::Status GrpcCoreLink::PutHoldings(const v1::PutHoldingsRequest& request) {
  grpc::ClientContext ctx;
  Prepare(ctx, options_.call_timeout);
  v1::PutHoldingsResponse reply;
  return FromGrpc(directory_->PutHoldings(&ctx, request, &reply));
}

}  // namespace silang::agent
