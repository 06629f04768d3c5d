#include "services/metrics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "engine/counters.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "rocksdb/db.h"
#include "silang/storage/v1/records.pb.h"
#include "spdlog/spdlog.h"

namespace silang {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Upper bounds in seconds, shared by every histogram: 50 µs (a plan over a
// few holders) to 10 s (a slow synced write under load), closest between
// 0.5 and 15 ms, where synced writes and calls under load fall. Bounds are
// only ever added, so a query or alert on an existing `le` keeps working.
constexpr std::array<double, 23> kBounds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002,
    0.0025,  0.003,  0.005,   0.0075, 0.01,    0.015, 0.025,  0.05,
    0.1,     0.25,   0.5,     1,      2.5,     5,     10};

// gRPC status codes 0..16 (OK .. UNAUTHENTICATED); absl's are the same.
constexpr int kCodes = 17;
// Past this many distinct methods, further names are counted as "other":
// a client naming made-up methods cannot grow the exposition without bound.
constexpr size_t kMaxMethods = 256;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric GaugeOf(double value,
                     std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

// "STATE_SENT_TO_LENDER" -> "SENT_TO_LENDER".
std::string StateLabel(int state) {
  std::string name = storage::v1::State_Name(state);
  if (name.empty()) return absl::StrCat(state);
  absl::string_view v = name;
  absl::ConsumePrefix(&v, "STATE_");
  return std::string(v);
}

std::string CodeLabel(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

// A histogram of durations whose Observe takes no lock: one relaxed atomic
// add to a bucket and one to the sum. A scrape may see a sum a moment
// ahead of or behind the counts; Prometheus tolerates that.
class LatencyHistogram {
 public:
  void Observe(absl::Duration d) {
    const double seconds = absl::ToDoubleSeconds(d);
    const size_t i = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) -
                     kBounds.begin();  // kBounds.size(): the +Inf bucket
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<uint64_t>(
                          std::max<int64_t>(0, absl::ToInt64Nanoseconds(d))),
                      std::memory_order_relaxed);
  }

  uint64_t Count() const {
    uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
  }

  ClientMetric Collect(std::vector<ClientMetric::Label> labels) const {
    ClientMetric m;
    m.label = std::move(labels);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      cumulative += counts_[i].load(std::memory_order_relaxed);
      ClientMetric::Bucket b;
      b.cumulative_count = cumulative;
      b.upper_bound = i < kBounds.size()
                          ? kBounds[i]
                          : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back(b);
    }
    m.histogram.sample_count = cumulative;
    m.histogram.sample_sum =
        static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) * 1e-9;
    return m;
  }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

// The histograms observed as things happen.
class Metrics::ObservedCollector : public prometheus::Collectable {
 public:
  void ObserveRouting(absl::Duration d) { routing_.Observe(d); }
  void ObserveWrite(absl::Duration d) { write_.Observe(d); }
  void ObserveWalSync(absl::Duration d) { wal_sync_.Observe(d); }
  void ObserveQueue(absl::Duration d) { queue_.Observe(d); }

  void ObserveRpc(absl::string_view method, int code, absl::Duration d) {
    if (code < 0 || code >= kCodes)
      code = static_cast<int>(absl::StatusCode::kUnknown);
    PerMethod* m = nullptr;
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = rpcs_.find(method);
      if (it != rpcs_.end()) m = it->second.get();
    }
    if (m == nullptr) {
      absl::MutexLock lock(&mu_);
      if (rpcs_.size() >= kMaxMethods && !rpcs_.contains(method)) {
        method = "other";
      }
      auto& slot = rpcs_[method];
      if (slot == nullptr) slot = std::make_unique<PerMethod>();
      m = slot.get();
    }
    m->by_code[code].Observe(d);
  }

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    auto add = [&out](std::string name, std::string help,
                      const LatencyHistogram& h) {
      MetricFamily f =
          Family(std::move(name), std::move(help), MetricType::Histogram);
      f.metric.push_back(h.Collect({}));
      out.push_back(std::move(f));
    };
    add("silang_routing_decision_seconds",
        "Time to plan a request's route (rank every holder of its title).",
        routing_);
    add("silang_store_write_seconds",
        "Time of each synced write to the store (any command), WAL fsync "
        "and the wait for the write group ahead of it included.",
        write_);
    add("silang_wal_sync_seconds",
        "Time of each WAL fsync; concurrent synced writes share one.",
        wal_sync_);
    add("silang_work_queue_seconds",
        "Time each RPC's engine call waited for a worker thread; grows "
        "first when the cores are saturated.",
        queue_);

    MetricFamily rpc =
        Family("silang_rpc_duration_seconds",
               "Server-side latency of finished RPCs, by method and status "
               "code. Streams count when they end.",
               MetricType::Histogram);
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [method, per] : rpcs_) {
      for (int code = 0; code < kCodes; ++code) {
        const LatencyHistogram& h = per->by_code[code];
        if (h.Count() == 0) continue;
        rpc.metric.push_back(
            h.Collect({{"method", method}, {"code", CodeLabel(code)}}));
      }
    }
    out.push_back(std::move(rpc));
    return out;
  }

 private:
  struct PerMethod {
    std::array<LatencyHistogram, kCodes> by_code;
  };
  LatencyHistogram routing_;
  LatencyHistogram write_;
  LatencyHistogram wal_sync_;
  LatencyHistogram queue_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<PerMethod>> rpcs_
      ABSL_GUARDED_BY(mu_);
};

// What a scrape reads from the store.
class Metrics::StoreCollector : public prometheus::Collectable {
 public:
  void Watch(const Store* store) { store_.store(store); }

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const Store* store = store_.load();
    if (store == nullptr) return out;
    CollectCounters(*store, out);
    CollectRocksDb(*store, out);
    return out;
  }

 private:
  static void CollectCounters(const Store& store,
                              std::vector<MetricFamily>& out) {
    auto net = ReadCounters(store, CounterScope::kNetwork, "", kAllTime);
    if (!net.ok()) {
      spdlog::warn("metrics: cannot read network counters: {}",
                   net.status().ToString());
      return;
    }
    MetricFamily by_state =
        Family("silang_requests_by_state",
               "Requests now in each state, network-wide.", MetricType::Gauge);
    MetricFamily commits = Family(
        "silang_transitions_total",
        "Committed commands on requests (submissions, actions, timers), by "
        "the request's state after the commit.",
        MetricType::Counter);
    const auto* states = storage::v1::State_descriptor();
    for (int i = 0; i < states->value_count(); ++i) {
      const int st = states->value(i)->number();
      if (st == storage::v1::STATE_UNSPECIFIED) continue;
      auto in = net->in_state().find(st);
      by_state.metric.push_back(
          GaugeOf(in == net->in_state().end() ? 0 : in->second,
                  {{"state", StateLabel(st)}}));
      auto n = net->commits_by_state().find(st);
      ClientMetric c;
      c.label = {{"state", StateLabel(st)}};
      c.counter.value = n == net->commits_by_state().end() ? 0 : n->second;
      commits.metric.push_back(std::move(c));
    }
    out.push_back(std::move(by_state));
    out.push_back(std::move(commits));
  }

  static void CollectRocksDb(const Store& store,
                             std::vector<MetricFamily>& out) {
    rocksdb::DB* db = store.db();
    auto per_cf = [&](const char* name, const char* property,
                      const char* help) {
      MetricFamily f = Family(name, help, MetricType::Gauge);
      for (int i = 0; i < kCfCount; ++i) {
        rocksdb::ColumnFamilyHandle* h = store.handle(static_cast<Cf>(i));
        uint64_t v = 0;
        if (h == nullptr || !db->GetIntProperty(h, property, &v)) continue;
        f.metric.push_back(
            GaugeOf(static_cast<double>(v), {{"cf", h->GetName()}}));
      }
      out.push_back(std::move(f));
    };
    // Summed over column families.
    auto total = [&](const char* name, const char* property, const char* help) {
      MetricFamily f = Family(name, help, MetricType::Gauge);
      f.metric.push_back(
          GaugeOf(static_cast<double>(store.IntProperty(property))));
      out.push_back(std::move(f));
    };
    // Database-wide (every column family would report the same value).
    auto db_wide = [&](const char* name, const char* property,
                       const char* help) {
      uint64_t v = 0;
      if (!db->GetIntProperty(property, &v)) return;
      MetricFamily f = Family(name, help, MetricType::Gauge);
      f.metric.push_back(GaugeOf(static_cast<double>(v)));
      out.push_back(std::move(f));
    };
    per_cf("silang_rocksdb_estimated_keys", "rocksdb.estimate-num-keys",
           "RocksDB's estimate of the keys in each column family.");
    per_cf("silang_rocksdb_live_sst_bytes", "rocksdb.live-sst-files-size",
           "Bytes of live SST files, by column family.");
    total("silang_rocksdb_memtable_bytes", "rocksdb.cur-size-all-mem-tables",
          "Bytes in memtables, all column families.");
    total("silang_rocksdb_pending_compaction_bytes",
          "rocksdb.estimate-pending-compaction-bytes",
          "Estimated bytes compaction still has to rewrite.");
    db_wide("silang_rocksdb_block_cache_bytes", "rocksdb.block-cache-usage",
            "Bytes in the shared block cache.");
    db_wide("silang_rocksdb_running_compactions",
            "rocksdb.num-running-compactions", "Compactions running now.");
    db_wide("silang_rocksdb_background_errors", "rocksdb.background-errors",
            "Background errors since open (flush or compaction failed; "
            "writes may be stopped).");
  }

  std::atomic<const Store*> store_{nullptr};
};

namespace {

// Times one call from its start to the status it sends. A call that ends
// without sending one (the client went away) counts as CANCELLED.
class RpcInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(Metrics& metrics, const char* method)
      : metrics_(metrics),
        method_(method == nullptr ? "unknown" : method),
        start_(std::chrono::steady_clock::now()) {
    absl::ConsumePrefix(&method_, "/");
  }
  ~RpcInterceptor() override {
    if (!observed_) Observe(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      Observe(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Observe(grpc::StatusCode code) {
    observed_ = true;
    metrics_.ObserveRpc(
        method_, static_cast<int>(code),
        absl::FromChrono(std::chrono::steady_clock::now() - start_));
  }

  Metrics& metrics_;
  absl::string_view method_;  // gRPC's method names live as long as the server
  const std::chrono::steady_clock::time_point start_;
  bool observed_ = false;
};

class RpcInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcInterceptorFactory(Metrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcInterceptor(metrics_, info->method());
  }

 private:
  Metrics& metrics_;
};

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      store_healthy_(
          &prometheus::BuildGauge()
               .Name("silang_store_healthy")
               .Help("1 if the last store health check passed (a read "
                     "succeeded and RocksDB reports no background error).")
               .Register(*registry_)
               .Add({})),
      agent_streams_(
          &prometheus::BuildGauge()
               .Name("silang_agent_streams_open")
               .Help("AgentService.SubscribeTasks streams open now: the "
                     "library agents connected for their task changes.")
               .Register(*registry_)
               .Add({})),
      store_collector_(std::make_shared<StoreCollector>()),
      observed_(std::make_shared<ObservedCollector>()) {}

std::unique_ptr<Metrics> Metrics::Create() {
  return std::unique_ptr<Metrics>(new Metrics());
}

Metrics::~Metrics() { StopServing(); }

std::function<void(absl::Duration)> Metrics::RoutingObserver() {
  return [this](absl::Duration d) { ObserveRouting(d); };
}

void Metrics::ObserveRouting(absl::Duration latency) {
  observed_->ObserveRouting(latency);
}

std::function<void(absl::Duration)> Metrics::WriteObserver() {
  return [o = observed_.get()](absl::Duration d) { o->ObserveWrite(d); };
}

std::function<void(absl::Duration)> Metrics::WalSyncObserver() {
  return [o = observed_.get()](absl::Duration d) { o->ObserveWalSync(d); };
}

std::function<void(absl::Duration)> Metrics::QueueObserver() {
  return [o = observed_.get()](absl::Duration d) { o->ObserveQueue(d); };
}

void Metrics::ObserveRpc(absl::string_view method, int code,
                         absl::Duration latency) {
  observed_->ObserveRpc(method, code, latency);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::NewRpcInterceptorFactory() {
  return std::make_unique<RpcInterceptorFactory>(*this);
}

void Metrics::WatchStore(const Store& store) {
  store_collector_->Watch(&store);
}

void Metrics::SetStoreHealthy(bool healthy) {
  store_healthy_->Set(healthy ? 1 : 0);
}

void Metrics::SetAgentStreams(int open) { agent_streams_->Set(open); }

absl::StatusOr<int> Metrics::Listen(const std::string& host_port) {
  if (exposer_ != nullptr) {
    return absl::FailedPreconditionError("metrics: already listening");
  }
  try {
    // One thread: scrapes come every few seconds from one or two servers.
    exposer_ = std::make_unique<prometheus::Exposer>(host_port, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", host_port, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(store_collector_);
  exposer_->RegisterCollectable(observed_);
  std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) {
    exposer_.reset();
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", host_port));
  }
  return ports.front();
}

void Metrics::StopServing() {
  exposer_.reset();  // joins its threads: no scrape runs after this
  store_collector_->Watch(nullptr);
}

std::string Metrics::Render() const {
  std::vector<MetricFamily> all = registry_->Collect();
  for (const prometheus::Collectable* c :
       {static_cast<const prometheus::Collectable*>(store_collector_.get()),
        static_cast<const prometheus::Collectable*>(observed_.get())}) {
    auto families = c->Collect();
    std::move(families.begin(), families.end(), std::back_inserter(all));
  }
  return prometheus::TextSerializer().Serialize(all);
}

}  // namespace silang
