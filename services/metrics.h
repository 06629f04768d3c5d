// Metrics: silangd's Prometheus metrics and the HTTP endpoint that serves
// them (GET /metrics, text exposition format 0.0.4).
//
// Two kinds of metric:
//   - read from the store at each scrape: requests by state and commits
//     (the network's all-time counters, kept in the same WriteBatch as each
//     transition, so they are exact and survive restarts), and RocksDB
//     properties. A scrape costs one counter read and a few dozen property
//     look-ups, whatever the size of the network.
//   - observed as they happen: routing-plan, synced-write and WAL-fsync
//     latency (engine hooks), how long each RPC's engine call waited for a
//     worker (a WorkPool hook), and the latency and status code of every
//     RPC (a gRPC server interceptor), into histograms whose Observe is a
//     few relaxed atomic adds: no lock. Together they say where a slow
//     call's time went: waiting for a core (work queue), routing, the
//     synced write (of which the WAL fsync), or the rest of the call.
//
// Lifecycle, as silangd wires it:
//   auto metrics = Metrics::Create();
//   engine_options.on_route_planned = metrics->RoutingObserver();
//   engine_options.store.on_synced_write = metrics->WriteObserver();
//   engine_options.store.on_wal_sync = metrics->WalSyncObserver();
//   core = Core::Open(..., engine_options);
//   metrics->WatchStore(*core->store);
//   server_options.metrics = metrics.get();   // Server adds the interceptor
//                                             // and the work-queue hook
//   metrics->Listen("127.0.0.1:9464");
//   ...
//   metrics->StopServing();   // before the store closes
//
// The Metrics must outlive the server and the engine that report into it.
// Thread-safe.
#ifndef SILANG_SERVICES_METRICS_H_
#define SILANG_SERVICES_METRICS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/store.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}
namespace prometheus {
class Exposer;
class Gauge;
class Registry;
}  // namespace prometheus

namespace silang {

class LatencyHistogram;

class Metrics {
 public:
  static std::unique_ptr<Metrics> Create();
  ~Metrics();

  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // For EngineOptions::on_route_planned. Borrows this Metrics.
  std::function<void(absl::Duration)> RoutingObserver();
  void ObserveRouting(absl::Duration latency);
  // For Store::Options::on_synced_write and on_wal_sync (through
  // EngineOptions::store), and WorkPool's on_wait. Each borrows this Metrics.
  std::function<void(absl::Duration)> WriteObserver();
  std::function<void(absl::Duration)> WalSyncObserver();
  std::function<void(absl::Duration)> QueueObserver();
  // One finished RPC. method: "package.Service/Method"; code: a gRPC (and
  // absl) status code number.
  void ObserveRpc(absl::string_view method, int code, absl::Duration latency);
  // A gRPC interceptor factory that reports every call to ObserveRpc.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewRpcInterceptorFactory();

  // From now on each scrape reads `store`.
  // REQUIRES: store stays open until StopServing() or destruction.
  void WatchStore(const Store& store);
  // The last health check's verdict (silang_store_healthy).
  void SetStoreHealthy(bool healthy);
  // Task streams open now, one per connected library agent
  // (silang_agent_streams_open).
  void SetAgentStreams(int open);

  // Serves GET /metrics on HOST:PORT (port 0 picks one); returns the bound
  // port. Unavailable if it cannot listen. Call at most once.
  absl::StatusOr<int> Listen(const std::string& host_port);
  // Stops the HTTP endpoint; idempotent.
  void StopServing();

  // The exposition text, as GET /metrics serves it.
  std::string Render() const;

 private:
  class StoreCollector;
  class ObservedCollector;
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* store_healthy_;  // owned by registry_
  prometheus::Gauge* agent_streams_;  // owned by registry_
  std::shared_ptr<StoreCollector> store_collector_;
  std::shared_ptr<ObservedCollector> observed_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_METRICS_H_
