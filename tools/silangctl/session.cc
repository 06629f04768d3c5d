#include "tools/silangctl/session.h"

#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/cord.h"

namespace silang::ctl {
namespace {

constexpr char kUsagePayload[] = "type.silang.dev/silangctl.UsageError";

// grpc.health.v1.HealthCheckResponse.ServingStatus, by number.
constexpr const char* kServingStatus[] = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                          "SERVICE_UNKNOWN"};

}  // namespace

absl::Status UsageError(std::string message) {
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<std::unique_ptr<Session>> Session::Open(
    const GlobalOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    std::ifstream file(options.tls_ca);
    std::stringstream pem;
    pem << file.rdbuf();
    if (!file) return UsageError("cannot read --tls-ca " + options.tls_ca);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(8 << 20);  // catalogue upload chunks
  return std::unique_ptr<Session>(new Session(
      options, grpc::CreateCustomChannel(options.server, credentials, args)));
}

Session::Session(const GlobalOptions& options,
                 std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      librarian_(v1::LibrarianService::NewStub(channel_)),
      agent_(v1::AgentService::NewStub(channel_)),
      admin_(v1::AdminService::NewStub(channel_)),
      directory_(v1::DirectoryService::NewStub(channel_)),
      catalog_(v1::CatalogService::NewStub(channel_)) {}

absl::StatusOr<std::string> Session::Actor(const std::string& command) const {
  if (options_.actor.empty()) {
    return UsageError(command +
                      " needs the acting library: --as LIBRARY_ID or "
                      "SILANG_LIBRARY");
  }
  return options_.actor;
}

void Session::Prepare(grpc::ClientContext& context,
                      double timeout_seconds) const {
  const auto timeout =
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(timeout_seconds > 0
                                            ? timeout_seconds
                                            : options_.timeout_seconds));
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!options_.token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.token);
  }
}

absl::Status Session::FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // absl and gRPC share the canonical code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::string> Session::CheckHealth() const {
  // No generated health stub ships with Debian's gRPC, so the call goes
  // through the generic stub: an empty HealthCheckRequest (service "") is
  // zero bytes, and the reply's field 1 is the ServingStatus varint.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  Prepare(context);
  grpc::Slice no_bytes;
  grpc::ByteBuffer request(&no_bytes, 1);  // a default ByteBuffer is invalid
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  absl::Status status = FromGrpc(done.get_future().get());
  if (!status.ok()) return status;

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::DataLossError("health: unreadable reply");
  }
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) {
    return absl::DataLossError("health: undecodable HealthCheckResponse");
  }
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    if (field.number() == 1 &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      const uint64_t value = field.varint();
      if (value < std::size(kServingStatus)) return kServingStatus[value];
      return "STATUS_" + std::to_string(value);
    }
  }
  return kServingStatus[0];  // proto3 leaves a zero status out
}

}  // namespace silang::ctl
