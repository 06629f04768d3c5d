// GrpcCoreLink: CoreLink over one gRPC channel to silangd, plaintext or
// TLS, sending "authorization: Bearer <token>" with every call. Every call
// carries a deadline. Thread-safe.
#ifndef SILANG_SERVICES_AGENT_GRPC_CORE_LINK_H_
#define SILANG_SERVICES_AGENT_GRPC_CORE_LINK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/agent/core_link.h"
#include "silang/v1/agent.grpc.pb.h"
#include "silang/v1/directory.grpc.pb.h"

namespace silang::agent {

struct CoreOptions {
  std::string address;      // HOST:PORT
  std::string token;        // empty: no credential (a demo-mode core)
  std::string tls_ca_file;  // empty: plaintext
  absl::Duration call_timeout = absl::Seconds(10);
};

class GrpcCoreLink final : public CoreLink {
 public:
  // Fails only if the --tls-ca file cannot be read; connects lazily.
  static absl::StatusOr<std::unique_ptr<GrpcCoreLink>> Create(
      CoreOptions options);

  absl::StatusOr<v1::Request> Act(const v1::ActRequest& request) override;
  absl::Status PutHoldings(const v1::PutHoldingsRequest& request) override;

  // Sets the deadline (now + timeout) and the credential on ctx.
  void Prepare(grpc::ClientContext& ctx, absl::Duration timeout) const;
  v1::AgentService::Stub& agent() { return *agent_; }
  const CoreOptions& options() const { return options_; }

 private:
  GrpcCoreLink(CoreOptions options, std::shared_ptr<grpc::Channel> channel);

  const CoreOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> agent_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
};

// A gRPC status as an absl::Status with the same code and message.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_GRPC_CORE_LINK_H_
