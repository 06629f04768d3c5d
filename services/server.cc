#include "services/server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/admin_service.h"
#include "services/agent_service.h"
#include "services/auth.h"
#include "services/catalog_service.h"
#include "services/directory_service.h"
#include "services/librarian_service.h"
#include "services/metrics.h"
#include "services/task_stream.h"
#include "services/work_pool.h"

namespace silang {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

struct Server::Services {
  Services(Core& core, bool demo, int workers, Metrics* metrics)
      : auth(core.credentials.get(), demo),
        pool(workers, metrics != nullptr ? metrics->QueueObserver() : nullptr),
        streams(
            *core.requests,
            metrics == nullptr
                ? std::function<void(int)>()
                : [metrics](int open) { metrics->SetAgentStreams(open); }),
        librarian(*core.requests, auth, pool),
        agent(*core.requests, auth, streams, pool),
        admin(*core.requests, *core.directory, *core.credentials, auth, pool),
        directory(*core.directory, auth, pool),
        catalog_engine(*core.store, *core.directory),
        catalog(catalog_engine, auth) {}
  Auth auth;
  // Declared before the services, so it is destroyed after them; the
  // server has finished every call (Shutdown, Wait) before either goes.
  WorkPool pool;
  TaskStreams streams;
  LibrarianService librarian;
  AgentService agent;
  AdminService admin;
  DirectoryService directory;
  catalog::Catalog catalog_engine;
  CatalogService catalog;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    Core& core, const ServerOptions& options) {
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert and tls_key: give both or neither");
  }
  if (!options.tls_cert_file.empty()) {
    auto cert = ReadFile(options.tls_cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(options.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    creds = grpc::SslServerCredentials(ssl);
  } else {
    creds = grpc::InsecureServerCredentials();
  }

  // Links the health messages' descriptor so reflection can describe them.
  (void)grpc::health::v1::HealthCheckResponse::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<Server> server(new Server());
  server->services_ = std::make_unique<Services>(
      core, options.demo, options.workers, options.metrics);
  server->services_->streams.ListenTo(core.requests->feed());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &server->port_);
  // Agents hold a task stream open for hours and ping to keep NAT state
  // alive (silang-agent: every 60 s); allow that without data in between.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30'000);
  if (options.metrics != nullptr) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(options.metrics->NewRpcInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.RegisterService(&server->services_->librarian);
  builder.RegisterService(&server->services_->agent);
  builder.RegisterService(&server->services_->admin);
  builder.RegisterService(&server->services_->directory);
  builder.RegisterService(&server->services_->catalog);
  // Announces new task streams; task_stream.h says why it is not polled.
  std::unique_ptr<grpc::ServerCompletionQueue> stream_accept_queue =
      builder.AddCompletionQueue(/*is_frequently_polled=*/false);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  server->services_->agent.ServeStreams(std::move(stream_accept_queue),
                                        options.stream_queues);
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

Server::~Server() { Shutdown(absl::Seconds(1)); }

int Server::open_task_streams() const {
  return services_->streams.open_streams();
}

void Server::SetServing(bool serving) {
  absl::MutexLock lock(&health_mu_);
  if (stopping_ || !server_) return;
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void Server::Shutdown(absl::Duration grace) {
  if (!server_) return;
  {
    absl::MutexLock lock(&health_mu_);
    stopping_ = true;
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  // Task streams never end by themselves: end them first, so the grace
  // period is not spent waiting for them.
  services_->streams.Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  services_->streams.Drain();  // the queues go down after the server
  server_->Wait();
  server_.reset();
}

}  // namespace silang
