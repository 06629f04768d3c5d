// silang-bench: the whole engine at national scale, against the transport's
// own ceiling (issue 7).
//
//   build-bench/tools/bench/silang-bench            # the standard suite
//   silang-bench --server 127.0.0.1:7420 --token-file admin.token --no-load
//
// With no --server it starts its own silangd on a temporary data directory
// (measuring exec to SERVING), loads a generated network through the API
// (loader.h: 180,000 libraries at real places, their city, province and
// national partnerships, holdings of 1,000,000 titles skewed as workload.h
// says), then for each concurrency K (16 and 64) drives, one after another,
// K clients of each operation for T seconds (driver.h: health, submit,
// loan_life) and prints a table and one RESULT line per operation and K.
// --stored-requests N stops the server after the load, fills N requests
// offline (fill.h), and starts it again, to measure start-up and memory with
// N stored requests. Everything generated is seeded (--seed).
//
// Besides the RESULT lines, the table gives per operation and K: rpcs/s,
// p999, submits that found no lender (unrouted), errors, and CPU
// microseconds per op of the server (srv_cpu; own server only), the part of
// it RocksDB's flush and compaction threads used (srv_bg), and of this
// client (cli_cpu), over the phase with its warm-up. A second table says
// where the time went inside silangd, from its metrics (server_metrics.h):
// per call, the whole call, the wait for a worker, the routing plan, the
// synced write and the WAL fsync under it, synced writes per op, and writes
// per fsync (how many RocksDB's group commit shared; own server, or
// --metrics-port).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "tools/bench/agent_streams.h"
#include "tools/bench/driver.h"
#include "tools/bench/fill.h"
#include "tools/bench/id_places.h"
#include "tools/bench/loader.h"
#include "tools/bench/network_plan.h"
#include "tools/bench/server_metrics.h"
#include "tools/bench/silangd_process.h"
#include "tools/bench/workload.h"

namespace silang::bench {
namespace {

using Clock = std::chrono::steady_clock;

// RocksDB names its flush and compaction threads "rocksdb:high" and
// "rocksdb:low".
constexpr char kRocksDbThreads[] = "rocksdb:";

// Raises the soft open-file limit to the hard one (--agent-streams holds a
// connection per agent).
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "silang-bench: %s\n", what.c_str());
  std::exit(1);
}

// A line on stderr, redrawn every half second on a terminal (every 5 s
// otherwise), showing what `status` returns.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::function<std::string()> status)
      : status_(std::move(status)), tty_(::isatty(2)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~ProgressDisplay() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  void Loop() {
    const auto period = std::chrono::milliseconds(tty_ ? 500 : 5000);
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
      std::string line = status_();
      if (tty_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
      } else {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      std::fflush(stderr);
    }
  }

  std::function<std::string()> status_;
  const bool tty_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return std::string(absl::StripAsciiWhitespace(token));
}

// The disk's own floor under a synced write: fdatasync after each 4 KiB
// append to a file in `dir`, as the WAL does. No acknowledged write can be
// faster than this, whatever the engine does.
void PrintDiskFloor(const std::string& dir) {
  const std::string path = dir + "/fdatasync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  std::vector<double> us;
  const std::string block(4096, 'x');
  for (int i = 0; i < 200; ++i) {
    if (::write(fd, block.data(), block.size()) < 0) break;
    const auto t = Clock::now();
    if (::fdatasync(fd) != 0) break;
    us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  };
  std::printf("DISK fdatasync p50_us=%.0f p99_us=%.0f n=%zu (the floor under "
              "every synced write)\n",
              at(0.5), at(0.99), us.size());
}

void PrintMemory(const char* when, pid_t pid, int64_t stored) {
  auto m = ReadMemoryUse(pid);
  if (!m.ok()) return;
  std::printf("MEMORY when=%s rss_mib=%.0f hwm_mib=%.0f stored_requests=%lld\n",
              when, m->rss_mib, m->hwm_mib, static_cast<long long>(stored));
}

}  // namespace

int Main(int argc, char** argv) {
  // As in silangd: Debian's abseil checks lock order on every Mutex
  // acquisition (2% of this client's CPU, which the server would use).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "silang-bench: silangd at national scale against the gRPC health "
      "check's ceiling"};
  std::string server;
  std::string token;
  std::string token_file;
  std::string silangd = SILANG_SILANGD_PATH;
  std::string places_csv =
      absl::StrCat(std::getenv("SILANG_SHARED_DATA") != nullptr
                       ? std::getenv("SILANG_SHARED_DATA")
                       : SILANG_SHARED_DATA,
                   "/geo/id_places.csv");
  std::string ops_flag = "submit,loan_life,health";
  std::string k_flag = "16,64";
  std::string keep_dir;
  std::vector<std::string> silangd_args;
  WorkloadShape shape;
  LoadOptions load;
  double seconds = 10;
  double warmup = 1;
  int channels = 2;
  int national_stripes = 24;
  int64_t stored_requests = 0;
  int fill_threads = 2;
  int agent_streams = 0;
  bool no_load = false;
  bool no_settle = false;
  int metrics_port = 0;
  app.add_option("--server", server,
                 "HOST:PORT of a running silangd (default: start one on a "
                 "temporary data directory)");
  app.add_option("--metrics-port", metrics_port,
                 "with --server on this machine: its metrics port, for the "
                 "inside-silangd table");
  app.add_option("--token", token, "admin bearer token (with --server)");
  app.add_option("--token-file", token_file, "file holding the admin token");
  app.add_option("--silangd", silangd, "silangd binary to start")
      ->capture_default_str();
  app.add_option("--silangd-arg", silangd_args,
                 "extra argument for the silangd it starts (repeatable)");
  app.add_option("--places", places_csv, "id_places.csv")
      ->capture_default_str();
  app.add_option("--libraries", shape.libraries, "libraries in the network")
      ->capture_default_str();
  app.add_option("--titles", shape.titles, "titles in the union catalogue")
      ->capture_default_str();
  app.add_option("--max-holders", shape.max_holders,
                 "holders of the most popular title")
      ->capture_default_str();
  app.add_option("--holder-skew", shape.holder_skew,
                 "rank r has max_holders * r^-s holders")
      ->capture_default_str();
  app.add_option("--request-skew", shape.request_skew,
                 "requests name rank r with weight r^-q (Zipf)")
      ->capture_default_str();
  app.add_option("--seed", shape.seed, "seed of everything generated")
      ->capture_default_str();
  app.add_option("--ops", ops_flag, "operations: submit,loan_life,health")
      ->capture_default_str();
  app.add_option("--concurrency,-k", k_flag, "requests in flight, comma list")
      ->capture_default_str();
  app.add_option("--seconds,-t", seconds, "measured seconds per operation")
      ->capture_default_str();
  app.add_option("--warmup", warmup, "unmeasured seconds before each")
      ->capture_default_str();
  app.add_option("--channels", channels, "gRPC connections")
      ->capture_default_str();
  app.add_flag("--no-load", no_load, "the server already holds the network");
  app.add_flag("--no-settle", no_settle,
               "measure right after loading, while RocksDB still flushes "
               "and compacts the load (own server)");
  app.add_flag("--holdings-via-import", load.holdings_via_import,
               "load holdings with CatalogService.ImportHoldings (CSV) "
               "instead of DirectoryService.PutHoldings");
  app.add_option("--import-streams", load.import_streams,
                 "holdings uploads at a time")
      ->capture_default_str();
  app.add_option("--stored-requests", stored_requests,
                 "fill this many requests offline before the run (own "
                 "server only), then restart it and measure start-up")
      ->capture_default_str();
  app.add_option("--fill-threads", fill_threads)->capture_default_str();
  app.add_option("--agent-streams", agent_streams,
                 "hold this many library agents' task streams open (one "
                 "connection each, libraries lib-000000 on) through the "
                 "phases, as a network's agents do")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--keep", keep_dir,
                 "use and keep this work dir (own server) instead of a "
                 "temporary one");
  CLI11_PARSE(app, argc, argv);

  std::vector<Op> ops;
  for (const std::string& name : Split(ops_flag)) {
    if (name == "submit") {
      ops.push_back(Op::kSubmit);
    } else if (name == "loan_life") {
      ops.push_back(Op::kLoanLife);
    } else if (name == "health") {
      ops.push_back(Op::kHealth);
    } else {
      Die(absl::StrCat("unknown operation ", name));
    }
  }
  // Health first at each K, so every ratio has its ceiling.
  std::stable_sort(ops.begin(), ops.end(), [](Op a, Op b) {
    return a == Op::kHealth && b != Op::kHealth;
  });
  std::vector<int> ks;
  for (const std::string& k : Split(k_flag)) ks.push_back(std::stoi(k));
  if (ks.empty() || ops.empty()) Die("nothing to run");
  if (!server.empty() && stored_requests > 0) {
    Die("--stored-requests needs the server silang-bench starts itself");
  }

  const auto t_start = Clock::now();
  auto read = places::ReadIdPlaces(places_csv);
  if (!read.ok()) Die(read.status().ToString());
  const NetworkPlan plan = PlanNetwork(*read, shape.libraries, national_stripes);
  std::vector<int> active;
  for (int i = 0; i < shape.libraries; ++i) {
    if (!plan.libraries[i].suspended) active.push_back(i);
  }
  std::printf(
      "silang-bench: %d libraries at %d places, %zu partnerships, %d titles "
      "(holders: %d x rank^-%.2f; requests: Zipf %.2f), seed %llu\n",
      shape.libraries, plan.places, plan.partnerships.size(), shape.titles,
      shape.max_holders, shape.holder_skew, shape.request_skew,
      static_cast<unsigned long long>(shape.seed));

  // The server.
  std::unique_ptr<SilangdProcess> own;
  std::string work_dir;
  if (server.empty()) {
    if (!keep_dir.empty()) {
      work_dir = keep_dir;
      std::filesystem::create_directories(work_dir);
    } else {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = absl::StrCat(
          tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/silang-bench-XXXXXX");
      std::vector<char> buf(pattern.begin(), pattern.end());
      buf.push_back('\0');
      if (::mkdtemp(buf.data()) == nullptr) Die("mkdtemp failed");
      work_dir = buf.data();
    }
    own = std::make_unique<SilangdProcess>(silangd, work_dir);
    const bool existing = std::filesystem::exists(own->data_dir());
    auto started = own->Start(silangd_args);
    if (!started.ok()) Die(started.status().ToString());
    std::printf("STARTUP seconds=%.3f stored_requests=%s\n", *started,
                existing ? "unknown (existing store)" : "0 (new store)");
    server = own->target();
    auto t = own->AdminToken();
    if (!t.ok()) Die(t.status().ToString());
    token = *t;
    std::printf("silangd pid %d on %s, data in %s\n", own->pid(),
                server.c_str(), own->data_dir().c_str());
    PrintDiskFloor(work_dir);
  } else if (token.empty()) {
    if (!token_file.empty()) {
      token = ReadToken(token_file);
    } else if (const char* env = std::getenv("SILANG_TOKEN")) {
      token = env;
    }
    if (token.empty()) Die("--server needs --token, --token-file or SILANG_TOKEN");
  }
  std::fflush(stdout);
  auto conn = std::make_unique<Connection>(server, token, channels);

  // The network.
  if (!no_load) {
    LoadProgress lp;
    const auto t0 = Clock::now();
    absl::StatusOr<LoadReport> loaded;
    {
      ProgressDisplay display([&] {
        double el = std::chrono::duration<double>(Clock::now() - t0).count();
        int64_t done = lp.done.load();
        return absl::StrFormat("load: %s %lld/%lld  %.0f s", lp.stage.load(),
                               static_cast<long long>(done),
                               static_cast<long long>(lp.total.load()), el);
      });
      loaded = LoadNetwork(*conn, plan, shape, load, lp);
    }
    if (!loaded.ok()) Die(loaded.status().ToString());
    std::printf(
        "load: %d libraries in %.1f s, %zu partnerships in %.1f s, %lld "
        "holdings %s in %.1f s (%.0f holdings/s)\n",
        shape.libraries, loaded->libraries_s, plan.partnerships.size(),
        loaded->partnerships_s, static_cast<long long>(loaded->holdings),
        load.holdings_via_import
            ? absl::StrCat("in ", loaded->imports, " CSV imports").c_str()
            : "by PutHoldings",
        loaded->holdings_s,
        loaded->holdings / std::max(1e-9, loaded->holdings_s));
    std::fflush(stdout);
  }
  int64_t stored = 0;
  if (own) PrintMemory("loaded", own->pid(), stored);

  // Stops the silangd this run started, runs `offline` on its store (no
  // server has it open), starts it again and reconnects; returns the
  // seconds from exec to SERVING.
  auto restart_around = [&](const std::function<void()>& offline) {
    conn.reset();
    if (absl::Status s = own->Stop(); !s.ok()) Die(s.ToString());
    offline();
    auto started = own->Start(silangd_args);
    if (!started.ok()) Die(started.status().ToString());
    server = own->target();
    conn = std::make_unique<Connection>(server, token, channels);
    return *started;
  };

  // Settle: the load leaves up to a memtable budget of holdings and
  // libraries in memory and several level-0 files, which RocksDB would flush
  // and compact during the first phase, taking CPU from what it measures
  // (over 3 s of an 11 s submit phase here). Stop silangd (a clean stop
  // flushes), compact the store offline, start it again.
  if (own && !no_load && stored_requests == 0 && !no_settle) {
    double compact_s = 0;
    const double started = restart_around([&] {
      const auto t0 = Clock::now();
      if (absl::Status s = CompactStore(own->data_dir()); !s.ok()) {
        Die(s.ToString());
      }
      compact_s = std::chrono::duration<double>(Clock::now() - t0).count();
    });
    std::printf(
        "settle: stopped silangd, compacted the loaded store offline in "
        "%.1f s, serving again in %.2f s (pid %d)\n",
        compact_s, started, own->pid());
    std::fflush(stdout);
  }

  if (stored_requests > 0) {
    const double started = restart_around([&] {
      std::atomic<int64_t> done{0};
      const auto t0 = Clock::now();
      absl::StatusOr<FillReport> filled;
      {
        ProgressDisplay display([&] {
          double el = std::chrono::duration<double>(Clock::now() - t0).count();
          return absl::StrFormat("fill: %lld/%lld requests  %.0f/s  %.0f s",
                                 static_cast<long long>(done.load()),
                                 static_cast<long long>(stored_requests),
                                 done.load() / std::max(el, 1e-9), el);
        });
        filled = FillRequests(own->data_dir(), shape, active, stored_requests,
                              fill_threads, done);
      }
      if (!filled.ok()) Die(filled.status().ToString());
      stored = filled->submitted;
      std::printf(
          "fill: %lld requests (%lld routed) written offline through "
          "RequestEngine in %.1f s\n",
          static_cast<long long>(filled->submitted),
          static_cast<long long>(filled->routed), filled->seconds);
    });
    std::printf("STARTUP seconds=%.3f stored_requests=%lld\n", started,
                static_cast<long long>(stored));
    PrintMemory("restarted", own->pid(), stored);
    std::fflush(stdout);
  }

  // The agents: one task stream each, open through the phases.
  std::unique_ptr<AgentStreams> agents;
  if (agent_streams > 0) {
    if (agent_streams > shape.libraries) {
      Die(absl::StrCat("--agent-streams ", agent_streams, " exceeds the ",
                       shape.libraries, " libraries"));
    }
    RaiseOpenFileLimit();  // one connection per agent on this side too
    std::vector<std::string> libraries;
    for (int i = 0; i < agent_streams; ++i) libraries.push_back(LibraryId(i));
    const auto t0 = Clock::now();
    auto opened =
        AgentStreams::Open(server, token, libraries, absl::Seconds(120));
    if (!opened.ok()) Die(opened.status().ToString());
    agents = *std::move(opened);
    std::printf("AGENT_STREAMS open=%d in %.1f s\n", agent_streams,
                std::chrono::duration<double>(Clock::now() - t0).count());
    if (own) PrintMemory("agents", own->pid(), stored);
    std::fflush(stdout);
  }

  // The phases.
  if (own) {
    auto port = own->MetricsPort();
    if (port.ok()) {
      metrics_port = *port;
    } else {
      std::fprintf(stderr, "silang-bench: %s\n",
                   port.status().ToString().c_str());
    }
  }
  // Where the time went inside silangd during a phase, from its metrics.
  struct Inside {
    Histogram call, queue, route, write, sync;
    double ops = 0;  // ops run in the phase, warm-up included
  };
  auto inside_now = [&]() -> std::optional<Inside> {
    if (metrics_port <= 0) return std::nullopt;
    auto text = ScrapeMetrics(metrics_port);
    if (!text.ok()) return std::nullopt;
    return Inside{ParseHistogram(*text, "silang_rpc_duration_seconds"),
                  ParseHistogram(*text, "silang_work_queue_seconds"),
                  ParseHistogram(*text, "silang_routing_decision_seconds"),
                  ParseHistogram(*text, "silang_store_write_seconds"),
                  ParseHistogram(*text, "silang_wal_sync_seconds")};
  };
  std::vector<std::optional<Inside>> insides;
  // CPU seconds used so far: the server's (own server only), the part of it
  // in RocksDB's flush and compaction threads, and this client's.
  struct Cpu {
    double server = 0, server_bg = 0, client = 0;
  };
  auto cpu_now = [&] {
    Cpu c;
    if (own) {
      c.server = ProcessCpuSeconds(own->pid());
      c.server_bg = ThreadsCpuSeconds(own->pid(), kRocksDbThreads);
    }
    c.client = ProcessCpuSeconds(::getpid());
    return c;
  };
  Driver driver(*conn, shape, active);
  std::vector<PhaseResult> results;
  const std::string run_id = absl::StrFormat(
      "b%llx", static_cast<unsigned long long>(
                   std::chrono::system_clock::now().time_since_epoch().count()));
  PhaseProgress total_progress;
  std::map<std::pair<Op, int>, int> phases_so_far;
  for (int k : ks) {
    for (Op op : ops) {
      PhaseOptions o;
      o.op = op;
      o.concurrency = k;
      o.repeat = phases_so_far[{op, k}]++;
      o.warmup_s = warmup;
      o.seconds = seconds;
      o.seed = shape.seed;
      o.run_id = run_id;
      PhaseProgress progress;
      // Scraped first, so rendering the metrics is not in the phase's CPU.
      const std::optional<Inside> inside0 = inside_now();
      const auto t0 = Clock::now();
      const Cpu cpu0 = cpu_now();
      PhaseResult r;
      {
        ProgressDisplay display([&] {
          double el = std::chrono::duration<double>(Clock::now() - t0).count();
          return absl::StrFormat(
              "run: %s K=%d  %.0f/%.0f s  %lld ops  %lld calls (%.0f calls/s)",
              OpName(op), k, el, warmup + seconds,
              static_cast<long long>(progress.ops.load()),
              static_cast<long long>(progress.calls.load()),
              progress.calls.load() / std::max(el, 1e-9));
        });
        r = driver.Run(o, progress);
      }
      stored += progress.submitted.load();
      // CPU per op over the whole phase (warm-up included), for where the
      // time goes.
      const double ops_run = std::max<double>(1, progress.ops.load());
      const Cpu cpu1 = cpu_now();
      r.server_cpu_us_per_op = (cpu1.server - cpu0.server) * 1e6 / ops_run;
      r.server_bg_cpu_us_per_op =
          (cpu1.server_bg - cpu0.server_bg) * 1e6 / ops_run;
      r.client_cpu_us_per_op = (cpu1.client - cpu0.client) * 1e6 / ops_run;
      std::fprintf(stderr, "%s K=%d: %.0f/s p50 %.0f us p99 %.0f us\n",
                   OpName(op), k, r.qps, r.latency.p(0.5), r.latency.p(0.99));
      std::optional<Inside> inside = inside_now();
      if (inside && inside0) {
        inside = Inside{inside->call.Minus(inside0->call),
                        inside->queue.Minus(inside0->queue),
                        inside->route.Minus(inside0->route),
                        inside->write.Minus(inside0->write),
                        inside->sync.Minus(inside0->sync),
                        ops_run};
      } else {
        inside.reset();
      }
      insides.push_back(std::move(inside));
      results.push_back(std::move(r));
    }
  }

  // The report.
  auto health_qps = [&](int k) {
    for (const auto& r : results) {
      if (r.op == Op::kHealth && r.concurrency == k) return r.qps;
    }
    return 0.0;
  };
  std::printf("\n%-10s %4s %10s %10s %9s %9s %9s %8s %9s %7s %7s %9s %7s %9s\n",
              "op", "K", "ops/s", "rpcs/s", "p50_us", "p99_us", "p999_us",
              "vs_hlth", "unrouted", "errors", "n", "srv_cpu", "srv_bg",
              "cli_cpu");
  for (const auto& r : results) {
    double h = health_qps(r.concurrency);
    std::printf(
        "%-10s %4d %10.0f %10.0f %9.0f %9.0f %9.0f %8.3f %9lld %7lld %7lld "
        "%9.0f %7.0f %9.0f\n",
        OpName(r.op), r.concurrency, r.qps, r.rpcs / r.seconds,
        r.latency.p(0.5), r.latency.p(0.99), r.latency.p(0.999),
        h > 0 ? r.qps / h : 0, static_cast<long long>(r.unrouted),
        static_cast<long long>(r.errors), static_cast<long long>(r.completed),
        r.server_cpu_us_per_op, r.server_bg_cpu_us_per_op,
        r.client_cpu_us_per_op);
    for (const auto& [name, l] : r.steps) {
      std::printf("  %-12s p50 %6.0f us  p99 %6.0f us  n %zu\n", name.c_str(),
                  l.p(0.5), l.p(0.99), l.ns.size());
    }
    for (const auto& [what, n] : r.error_codes) {
      std::printf("  error x%lld: %s\n", static_cast<long long>(n),
                  what.c_str());
    }
  }
  std::printf("\n");
  if (std::any_of(insides.begin(), insides.end(),
                  [](const auto& i) { return i.has_value(); })) {
    // Per call, over the phase with its warm-up; percentiles interpolated
    // within silangd's histogram buckets.
    std::printf(
        "inside silangd, per call (us; from its metrics, bucket-interpolated):"
        "\n%-10s %4s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %11s\n",
        "op", "K", "call_p50", "call_p99", "queue_p50", "queue_p99",
        "route_p50", "route_p99", "write_p50", "write_p99", "fsync_p50",
        "fsync_p99", "writes/op", "writes/fsync");
    for (size_t i = 0; i < results.size(); ++i) {
      if (!insides[i]) continue;
      const Inside& in = *insides[i];
      const PhaseResult& r = results[i];
      auto us = [](const Histogram& h, double q) {
        return h.Quantile(q) * 1e6;
      };
      std::printf(
          "%-10s %4d %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f "
          "%9.0f %9.2f %11.2f\n",
          OpName(r.op), r.concurrency, us(in.call, 0.5), us(in.call, 0.99),
          us(in.queue, 0.5), us(in.queue, 0.99), us(in.route, 0.5),
          us(in.route, 0.99), us(in.write, 0.5), us(in.write, 0.99),
          us(in.sync, 0.5), us(in.sync, 0.99), in.write.count / in.ops,
          in.sync.count > 0 ? in.write.count / in.sync.count : 0.0);
    }
    std::printf("\n");
  }
  for (const auto& r : results) {
    double h = health_qps(r.concurrency);
    std::printf(
        "RESULT op=%s concurrency=%d qps=%.0f p50_us=%.0f p99_us=%.0f "
        "ratio_vs_health=%.3f\n",
        OpName(r.op), r.concurrency, r.qps, r.latency.p(0.5),
        r.latency.p(0.99), h > 0 ? r.qps / h : 0);
  }
  if (own) PrintMemory("end", own->pid(), stored);
  if (agents) {
    std::printf("AGENT_STREAMS events=%lld\n",
                static_cast<long long>(agents->events()));
    agents.reset();
  }
  std::printf("total %.0f s\n",
              std::chrono::duration<double>(Clock::now() - t_start).count());
  std::fflush(stdout);

  conn.reset();
  if (own) {
    if (absl::Status s = own->Stop(); !s.ok()) Die(s.ToString());
    if (keep_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(work_dir, ec);
    }
  }
  for (const auto& r : results) {
    if (r.completed == 0) return 1;
  }
  return 0;
}

}  // namespace silang::bench

int main(int argc, char** argv) { return silang::bench::Main(argc, argv); }
