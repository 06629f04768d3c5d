// Loader: puts a generated network into a running silangd through its API,
// as an admin:
//   1. every library (AdminService.PutLibrary, 64 in flight, callback API);
//   2. every partnership (AdminService.PutPartnership, 4 threads);
//   3. every holding: by default one DirectoryService.PutHoldings per
//      library (replace_all; 64 in flight); or, with holdings_via_import,
//      CatalogService.ImportHoldings: CSV uploads of `libraries_per_import`
//      libraries each, one branch code per library, `import_streams`
//      uploads at a time (this also fills the union catalogue's titles).
// Libraries closed this week are closed from last Monday to next Sunday
// (UTC dates of the machine's clock); partnerships run 2024-01-01 to
// 2099-12-31. Every library lends loans and copies, 21-day loan period.
//
// Not thread-safe; progress may be read from another thread.
#ifndef SILANG_TOOLS_BENCH_LOADER_H_
#define SILANG_TOOLS_BENCH_LOADER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "tools/bench/driver.h"
#include "tools/bench/network_plan.h"
#include "tools/bench/workload.h"

namespace silang::bench {

struct LoadProgress {
  std::atomic<const char*> stage{"starting"};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> total{0};
};

struct LoadOptions {
  int library_concurrency = 64;
  int partnership_threads = 4;
  int import_streams = 2;
  int libraries_per_import = 2000;
  bool holdings_via_import = false;
};

struct LoadReport {
  double libraries_s = 0;
  double partnerships_s = 0;
  double holdings_s = 0;
  int64_t holdings = 0;
  int64_t imports = 0;  // 0: loaded through PutHoldings
};

absl::StatusOr<LoadReport> LoadNetwork(const Connection& conn,
                                       const NetworkPlan& plan,
                                       const WorkloadShape& shape,
                                       const LoadOptions& options,
                                       LoadProgress& progress);

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_LOADER_H_
