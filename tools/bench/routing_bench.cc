// routing_bench: the cost of one routing decision, RequestEngine::PlanRoute
// for a request, for a title held by 1, 10, 100, 1,000 and 10,000 libraries
// in a directory of 180,000 (issue 3, section 5; target: p99 under 200 us
// at 1,000 holders).
//
//   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
//   ninja -C build routing_bench
//   build/tools/bench/routing_bench --benchmark_repetitions=3
//
// Add --benchmark_filter=borrower:0 for the hub borrower only. The data
// comes from ../shared/data/geo/id_places.csv (SILANG_SHARED_DATA, which
// the environment variable of the same name overrides).
//
// The directory, loaded once into a fresh temp dir (Store sync off) before
// any benchmark runs and removed at exit:
//   - 180,000 libraries and their city, province and national (24 stripes)
//     partnerships, as tools/bench/network_plan.h plans them; the closed
//     libraries are closed 2024-03-04..08, the week of the fake clock.
//   - Title rec:bench-N is held by N libraries spread evenly over the
//     index range (so over all places and provinces), one copy each, every
//     5th on loan, the rest on the shelf.
// The borrower is the Jakarta hub (borrower:0; in 26 partnerships, sharing
// one with every holder: the most work per holder), or an ordinary Jakarta
// library (borrower:1; most far holders are filtered for want of a shared
// partnership).
//
// cold:1 empties the title-holders cache before each decision (the first
// decision for a title after start-up or an import: holdings read from
// RocksDB); cold:0 is every later decision (engine/title_holders.h).
//
// Reported per case: benchmark's own time per decision, wall and CPU (with
// --benchmark_repetitions, its mean/median/stddev/cv), and counters from the
// latency of every iteration: p50_us and p99_us (wall clock), p50_cpu_us
// and p99_cpu_us (this thread's CPU time, which other load on a shared
// machine does not inflate), plus the rota's size (ranked, filtered).
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"
#include "tools/bench/id_places.h"
#include "tools/bench/network_plan.h"

namespace silang {
namespace {

namespace s = storage::v1;

constexpr int kLibraries = 180000;
constexpr int kNationalStripes = 24;
constexpr int kHolderCounts[] = {1, 10, 100, 1000, 10000};

using bench::LibraryId;

std::string TitleKey(int holders) {
  return absl::StrCat("rec:bench-", holders);
}

// Everything the benchmarks share, built once by Load().
struct Env {
  std::string dir;
  std::unique_ptr<FakeClock> clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<RequestEngine> engine;
  std::string hub_borrower;
  std::string member_borrower;
  double load_seconds = 0;
};

Env* g_env = nullptr;

absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

void Die(const std::string& what) {
  std::fprintf(stderr, "routing_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
void Must(const T& result, const std::string& what) {
  absl::Status s = StatusOf(result);
  if (!s.ok()) Die(absl::StrCat(what, ": ", s.ToString()));
}

void Load(Env& env) {
  const char* data = std::getenv("SILANG_SHARED_DATA");
  std::string csv =
      absl::StrCat(data != nullptr && *data != '\0' ? data : SILANG_SHARED_DATA,
                   "/geo/id_places.csv");
  auto read = places::ReadIdPlaces(csv);
  Must(read, "reading places");
  const std::vector<places::Place>& all = *read;
  const int n_places = static_cast<int>(all.size());

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                   "/silang-routing-bench-XXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    Die(absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno)));
  }
  env.dir = buf.data();

  // A Wednesday, 10:00 WIB.
  env.clock = std::make_unique<FakeClock>(absl::FromCivil(
      absl::CivilSecond(2024, 3, 6, 10, 0, 0), absl::FixedTimeZone(7 * 3600)));
  Store::Options options;
  options.dir = env.dir + "/db";
  options.sync = false;  // bulk load; nothing here needs to survive a crash
  auto store = Store::Open(options);
  Must(store, "opening the store");
  env.store = *std::move(store);
  env.directory = std::make_unique<Directory>(*env.store, *env.clock);
  auto engine = RequestEngine::Create(*env.store, *env.directory, *env.clock,
                                      EngineOptions());
  Must(engine, "creating the engine");
  env.engine = *std::move(engine);

  const auto t0 = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
        .count();
  };

  // Libraries (tools/bench/network_plan.h).
  const bench::NetworkPlan plan =
      bench::PlanNetwork(all, kLibraries, kNationalStripes);
  for (const bench::LibrarySpec& spec : plan.libraries) {
    LibraryRecord lib;
    bench::FillLibrary(spec, "2024-03-04", "2024-03-08", lib);
    Must(env.directory->PutLibrary(std::move(lib), 0), spec.id);
  }
  const double libraries_s = seconds_since(t0);

  // Partnerships.
  const auto t1 = std::chrono::steady_clock::now();
  int n_partnerships = 0;
  for (const bench::PartnershipSpec& spec : plan.partnerships) {
    PartnershipRecord p;
    p.set_id(spec.id);
    p.set_name(spec.id);
    p.set_tier(spec.tier);
    p.set_valid_from("2024-01-01");
    p.set_valid_until("2026-12-31");
    p.set_terms(s::PARTNERSHIP_TERMS_RECIPROCAL);
    for (int m : spec.members) p.add_member_ids(LibraryId(m));
    Must(env.directory->PutPartnership(std::move(p), 0), spec.id);
    ++n_partnerships;
  }
  const double partnerships_s = seconds_since(t1);

  // Holdings.
  const auto t2 = std::chrono::steady_clock::now();
  const places::Place* jakarta = places::FindPlace(all, "Jakarta", "Jakarta");
  if (jakarta == nullptr) Die("no Jakarta in the places file");
  const int jakarta_index = static_cast<int>(jakarta - all.data());
  env.hub_borrower = LibraryId(jakarta_index);
  env.member_borrower = LibraryId(jakarta_index + n_places);
  for (int n : kHolderCounts) {
    for (int j = 0; j < n; ++j) {
      int i = static_cast<int>((static_cast<int64_t>(j) * kLibraries / n + 17) %
                               kLibraries);
      if (i == jakarta_index || i == jakarta_index + n_places) ++i;
      HoldingRecord h;
      h.set_title_key(TitleKey(n));
      h.set_item_id(absl::StrCat("item-", n, "-", j));
      h.set_call_number("899.221 HIR l");
      h.set_material_type(s::MATERIAL_TYPE_BOOK);
      h.set_availability(j % 5 == 4 ? s::AVAILABILITY_ON_LOAN
                                    : s::AVAILABILITY_ON_SHELF);
      Must(env.directory->PutHoldings(LibraryId(i), {std::move(h)}, false),
           absl::StrCat("holdings of ", LibraryId(i)));
    }
  }
  const double holdings_s = seconds_since(t2);
  env.load_seconds = seconds_since(t0);

  std::fprintf(stderr,
               "routing_bench: loaded %d libraries in %.1f s, %d partnerships "
               "in %.1f s, %d holder sets in %.1f s; total %.1f s (%s)\n",
               kLibraries, libraries_s, n_partnerships, partnerships_s,
               static_cast<int>(std::size(kHolderCounts)), holdings_s,
               env.load_seconds, env.dir.c_str());
  benchmark::AddCustomContext("directory_libraries", absl::StrCat(kLibraries));
  benchmark::AddCustomContext("directory_partnerships",
                              absl::StrCat(n_partnerships));
  benchmark::AddCustomContext(
      "load_seconds",
      absl::StrFormat("%.1f (libraries %.1f, partnerships %.1f, holdings %.1f)",
                      env.load_seconds, libraries_s, partnerships_s,
                      holdings_s));
}

// This thread's CPU time: unlike wall time, it does not count the time
// other processes on a shared machine hold the cores.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 +
         static_cast<double>(ts.tv_nsec) / 1e3;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void BM_PlanRoute(benchmark::State& state) {
  const int holders = static_cast<int>(state.range(0));
  const bool hub = state.range(1) == 0;
  const bool cold = state.range(2) == 1;
  RequestRecord r;
  r.set_borrower_library_id(hub ? g_env->hub_borrower : g_env->member_borrower);
  r.set_pickup_library_id(r.borrower_library_id());
  r.set_title_key(TitleKey(holders));
  r.set_service_type(s::SERVICE_TYPE_LOAN);
  r.set_service_level(s::SERVICE_LEVEL_NORMAL);
  r.set_material_type(s::MATERIAL_TYPE_BOOK);

  std::vector<double> micros;
  std::vector<double> cpu_micros;
  size_t ranked = 0;
  size_t filtered = 0;
  for (auto _ : state) {
    if (cold) g_env->directory->ForgetCachedHolders();
    const double cpu_start = ThreadCpuMicros();
    const auto start = std::chrono::steady_clock::now();
    auto plan = g_env->engine->PlanRoute(r);
    const auto end = std::chrono::steady_clock::now();
    const double cpu_end = ThreadCpuMicros();
    if (!plan.ok()) {
      state.SkipWithError(std::string(plan.status().message()).c_str());
      break;
    }
    ranked = plan->rota.ranked.size();
    filtered = plan->rota.filtered.size();
    benchmark::DoNotOptimize(plan);
    micros.push_back(
        std::chrono::duration<double, std::micro>(end - start).count());
    cpu_micros.push_back(cpu_end - cpu_start);
  }
  std::sort(micros.begin(), micros.end());
  std::sort(cpu_micros.begin(), cpu_micros.end());
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
  state.counters["p50_cpu_us"] = Percentile(cpu_micros, 0.50);
  state.counters["p99_cpu_us"] = Percentile(cpu_micros, 0.99);
  state.counters["ranked"] = static_cast<double>(ranked);
  state.counters["filtered"] = static_cast<double>(filtered);
}

BENCHMARK(BM_PlanRoute)
    ->ArgsProduct({{1, 10, 100, 1000, 10000}, {0, 1}, {0, 1}})
    ->ArgNames({"holders", "borrower", "cold"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace silang

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  silang::Env env;
  silang::g_env = &env;
  silang::Load(env);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::string dir = env.dir;
  env.engine.reset();
  env.directory.reset();
  env.store.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
