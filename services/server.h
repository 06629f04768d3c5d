// Server: silangd's gRPC server. Registers the Silang services over
// one Core, the standard gRPC health service (SERVING while the store is
// healthy: see SetServing and health_watch.h) and server reflection, so
// generic clients (grpcurl, buf curl) can discover and call every method.
#ifndef SILANG_SERVICES_SERVER_H_
#define SILANG_SERVICES_SERVER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/core.h"

namespace grpc {
class Server;
}

namespace silang {

class Metrics;

struct ServerOptions {
  std::string listen = "127.0.0.1:7420";  // HOST:PORT; port 0 picks one
  std::string tls_cert_file;              // both or neither
  std::string tls_key_file;
  // Open access, every caller an admin: for demos only. Otherwise every
  // call needs a bearer credential.
  bool demo = false;
  // If set, every RPC's latency and status code, and how long each engine
  // call waited for a worker, are reported to it. It must outlive the
  // Server.
  Metrics* metrics = nullptr;
  // Threads running the handlers' engine calls (services/work_pool.h): at
  // least the number of calls expected in flight, so that many commands
  // can share one WAL fsync.
  int workers = 64;
  // Completion queues, each with a thread, serving the agents' task
  // streams (services/task_stream.h). A stream's every write scans the
  // operations outstanding on its queue, so more queues keep that short
  // when tens of thousands of agents are connected.
  int stream_queues = 16;
};

class Server {
 public:
  // Borrows core; it must outlive the Server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      Core& core, const ServerOptions& options);
  ~Server();

  int port() const { return port_; }
  // AgentService.SubscribeTasks streams open now.
  int open_task_streams() const;
  // The health service's answer for every service: SERVING or NOT_SERVING
  // (silangd's HealthWatch calls this as the store's health changes). No
  // effect once Shutdown has begun.
  void SetServing(bool serving);
  // Stops taking calls, lets calls in flight finish for up to `grace`.
  void Shutdown(absl::Duration grace);

 private:
  struct Services;
  Server() = default;

  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex health_mu_;  // orders SetServing against Shutdown
  bool stopping_ ABSL_GUARDED_BY(health_mu_) = false;
};

}  // namespace silang

#endif  // SILANG_SERVICES_SERVER_H_
