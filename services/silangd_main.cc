// silangd: the Silang core. Opens the RocksDB store in --data-dir, serves
// the gRPC API on --listen, fires request timers in the background, and on
// SIGTERM or SIGINT stops taking calls, finishes those in flight and closes
// the store. Prometheus metrics are served on --metrics-listen, and the gRPC
// health service follows a periodic check of the store. Every option may also
// be set in the --config file (see deploy/silangd.conf), with the flag's long
// name as the key.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "engine/timer_loop.h"
#include "services/health_watch.h"
#include "services/metrics.h"
#include "services/server.h"
#include "spdlog/spdlog.h"

namespace {

// How often the gRPC health status is checked against the store.
constexpr absl::Duration kHealthInterval = absl::Seconds(5);

// Below this open-file limit silangd warns at start-up (OpenFileBudget).
constexpr rlim_t kLowOpenFileLimit = 4096;

// Writes the port atomically (scripts poll for the file).
void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

// Open files: every agent's task stream holds a connection, and RocksDB a
// file per table it keeps open (about 1,800 for 10 M requests). Raises the
// soft limit to the hard one (a login shell's soft limit is often 1,024),
// and gives RocksDB half of it for tables, so neither can starve the other.
// Returns RocksDB's share (-1: unbounded).
int OpenFileBudget() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  const rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return -1;
  const int tables = static_cast<int>(std::clamp<rlim_t>(
      limit.rlim_cur / 2, 20, std::numeric_limits<int>::max()));
  spdlog::info(
      "open-file limit {} (soft limit was {}): up to {} RocksDB table files "
      "open, the rest for connections",
      limit.rlim_cur, before, tables);
  if (limit.rlim_cur < kLowOpenFileLimit) {
    spdlog::warn(
        "open-file limit {} is low: each library agent's task stream holds a "
        "connection, so a network of more than about {} libraries needs it "
        "raised (deploy/silangd.service sets LimitNOFILE=1048576)",
        limit.rlim_cur, limit.rlim_cur / 2);
  }
  return tables;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and main() alone takes them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Debian's abseil is built with lock-order (deadlock) detection on, which
  // records every Mutex acquisition in a global graph: about 1% of a
  // submit's CPU and a global lock on the hot path. The tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  CLI::App app{"silangd: the Silang interlibrary-loan routing core"};
  app.set_config("--config", "", "config file (key = value, keys as flags)");
  silang::ServerOptions server_options;
  silang::EngineOptions engine_options;
  std::string data_dir;
  std::string log_level = "info";
  std::string port_file;
  std::string admin_token_file;
  std::string metrics_listen = "127.0.0.1:9464";
  std::string metrics_port_file;
  double timer_interval_s = 5;
  bool warm_views = true;
  app.add_option("--listen", server_options.listen,
                 "HOST:PORT to serve on; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "RocksDB data directory")
      ->required();
  app.add_option("--tls-cert", server_options.tls_cert_file,
                 "PEM certificate chain; enables TLS with --tls-key");
  app.add_option("--tls-key", server_options.tls_key_file, "PEM private key");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "write the bound port here once serving (for scripts)");
  app.add_option("--metrics-listen", metrics_listen,
                 "HOST:PORT serving Prometheus metrics at /metrics; port 0 "
                 "picks a free one; empty disables")
      ->capture_default_str();
  app.add_option("--metrics-port-file", metrics_port_file,
                 "write the bound metrics port here once serving");
  app.add_flag("--demo", server_options.demo,
               "open access, every caller an admin: demos only");
  app.add_option("--admin-token-file", admin_token_file,
                 "where a new store's first admin token is written "
                 "(default DATA_DIR/admin.token)");
  app.add_option("--workers", server_options.workers,
                 "threads running engine calls; at least the calls expected "
                 "in flight, so their WAL syncs are shared")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--stream-queues", server_options.stream_queues,
                 "completion queues (one thread each) serving the agents' "
                 "task streams; each stream write scans its queue's share "
                 "of the open streams")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--timer-interval", timer_interval_s,
                 "seconds between sweeps of due timers")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  app.add_option("--default-days-to-respond",
                 engine_options.default_days_to_respond,
                 "lender response deadline in business days")
      ->capture_default_str();
  app.add_option("--rush-hours", engine_options.rush_hours,
                 "lender response deadline for rush requests, open hours")
      ->capture_default_str();
  app.add_option("--default-loan-days", engine_options.default_loan_days,
                 "loan period when the lender's policy sets none")
      ->capture_default_str();
  auto& w = engine_options.weights;
  app.add_option("--weight-availability", w.availability)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--weight-distance", w.distance)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--weight-load", w.load)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--weight-performance", w.performance)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--weight-tier", w.tier)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--inter-island-km", w.inter_island_km,
                 "extra km charged for shipping between islands")
      ->capture_default_str();
  app.add_option("--inter-province-km", w.inter_province_km,
                 "extra km charged for shipping between provinces")
      ->capture_default_str();
  app.add_flag("--warm-views,!--no-warm-views", warm_views,
               "once serving, build every library's routing view and load "
               "its routing counters in the background (on by default), so "
               "the first routings read no library from the store; "
               "--no-warm-views reads each on first use");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::from_str(log_level));
  silang::SystemClock clock;
  // Created before the engine, which reports routing latency into it, and
  // destroyed after it.
  std::unique_ptr<silang::Metrics> metrics;
  if (!metrics_listen.empty()) {
    metrics = silang::Metrics::Create();
    engine_options.on_route_planned = metrics->RoutingObserver();
    engine_options.store.on_synced_write = metrics->WriteObserver();
    engine_options.store.on_wal_sync = metrics->WalSyncObserver();
  }
  engine_options.store.max_open_files = OpenFileBudget();
  auto core = silang::Core::Open(data_dir, clock, engine_options);
  if (!core.ok()) {
    spdlog::critical("cannot open store: {}", core.status().ToString());
    return 1;
  }
  if (!server_options.demo && (*core)->credentials->Empty()) {
    // A new store: issue the first admin credential, readable only here.
    if (admin_token_file.empty()) admin_token_file = data_dir + "/admin.token";
    auto issued = (*core)->credentials->Issue(
        silang::storage::v1::CREDENTIAL_ROLE_ADMIN, "", "bootstrap admin",
        absl::ZeroDuration(), "");
    if (!issued.ok()) {
      spdlog::critical("cannot issue the first admin credential: {}",
                       issued.status().ToString());
      return 1;
    }
    umask(077);
    std::ofstream(admin_token_file) << issued->token << "\n";
    spdlog::info("first admin credential {} written to {}",
                 issued->record.id(), admin_token_file);
  }
  if (metrics) {
    metrics->WatchStore(*(*core)->store);
    server_options.metrics = metrics.get();
  }
  auto server = silang::Server::Start(**core, server_options);
  if (!server.ok()) {
    spdlog::critical("cannot start server: {}", server.status().ToString());
    return 1;
  }
  auto timers = std::make_unique<silang::TimerLoop>(
      *(*core)->requests, absl::Seconds(timer_interval_s),
      [](const absl::Status& s) {
        spdlog::error("timer sweep: {}", s.ToString());
      });
  auto health = std::make_unique<silang::HealthWatch>(
      [&store = *(*core)->store] { return silang::CheckStore(store); },
      [&srv = **server, m = metrics.get()](bool ok) {
        srv.SetServing(ok);
        if (m != nullptr) m->SetStoreHealthy(ok);
      },
      kHealthInterval);
  if (metrics) {
    auto metrics_port = metrics->Listen(metrics_listen);
    if (!metrics_port.ok()) {
      spdlog::critical("{}", metrics_port.status().ToString());
      return 1;
    }
    WritePortFile(metrics_port_file, *metrics_port);
    spdlog::info("metrics on http://{}:{}/metrics",
                 metrics_listen.substr(0, metrics_listen.rfind(':')),
                 *metrics_port);
  }
  WritePortFile(port_file, (*server)->port());
  spdlog::info("silangd serving on port {} ({}), data in {}{}",
               (*server)->port(), server_options.listen, data_dir,
               server_options.tls_cert_file.empty() ? ", plaintext" : ", TLS");
  if (server_options.demo) {
    spdlog::warn("*** DEMO MODE: no credentials checked; every caller is "
                 "an admin. Never run a real network like this. ***");
  }

  // Warmed only once serving: start-up stays quick, and a routing that
  // needs a view (or a library's counters) before its chunk is warmed
  // reads it itself.
  std::atomic<bool> stop_warming{false};
  std::thread warming;
  if (warm_views) {
    warming = std::thread([&directory = *(*core)->directory,
                           &requests = *(*core)->requests, &stop_warming] {
      const absl::Time start = absl::Now();
      auto warmed = directory.WarmLibraryViews(
          stop_warming, [&requests](const auto& views) {
            return requests.WarmLibraryStats(views);
          });
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
      if (!warmed.ok()) {
        spdlog::warn(
            "warming library views and counters stopped after {:.1f} s: {}",
            seconds, warmed.status().ToString());
      } else if (stop_warming) {
        spdlog::info(
            "warmed {} library views and counters in {:.1f} s, then stopped",
            *warmed, seconds);
      } else {
        spdlog::info("warmed {} library views and counters in {:.1f} s",
                     *warmed, seconds);
      }
    });
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: shutting down", sig);
  stop_warming = true;
  if (warming.joinable()) warming.join();  // before the store closes
  health.reset();
  (*server)->Shutdown(absl::Seconds(5));
  timers.reset();
  server->reset();
  if (metrics) metrics->StopServing();  // no scrape reads a closed store
  core->reset();
  metrics.reset();
  spdlog::info("stopped cleanly");
  return 0;
}
