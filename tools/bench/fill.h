// Fill: the fast offline way to give a data directory many stored requests
// (for the start-up and memory measurements), used while no silangd runs on
// it. It opens the store itself (silang_engine; WAL sync off: a bulk fill,
// like routing_bench's load) and submits through RequestEngine::Submit, so
// every request is routed and written exactly as silangd would write it,
// but without gRPC. Requests follow the workload's title and borrower
// distributions (workload.h). CompactStore settles a freshly loaded store
// the same way, offline.
//
// Not thread-safe; runs its own worker threads.
#ifndef SILANG_TOOLS_BENCH_FILL_H_
#define SILANG_TOOLS_BENCH_FILL_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/workload.h"

namespace silang::bench {

struct FillReport {
  int64_t submitted = 0;
  int64_t routed = 0;  // reached SENT_TO_LENDER
  double seconds = 0;
};

// REQUIRES: no process has the store in data_dir open.
absl::StatusOr<FillReport> FillRequests(const std::string& data_dir,
                                        const WorkloadShape& shape,
                                        const std::vector<int>& active,
                                        int64_t count, int threads,
                                        std::atomic<int64_t>& done);

// Flushes and fully compacts the store in data_dir (Store::CompactAll), so
// a phase measured after a bulk load does not pay for the load's flushes
// and compactions. REQUIRES: no process has the store open.
absl::Status CompactStore(const std::string& data_dir);

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_FILL_H_
