// Driver: K concurrent clients calling silangd for T seconds, through the
// gRPC callback API (each client is a chain of calls: when one finishes,
// its callback records it and starts the next, so exactly K are in flight
// and no thread blocks). Latency is per call (per whole loan life for
// loan_life), on the monotonic clock, from just before the call starts to
// its completion callback.
//
//   submit     LibrarianService.SubmitRequest as a random active borrower
//              (routing plus one synced write).
//   loan_life  submit, then AgentService.Act as the lender the rota picked
//              (WILL_SUPPLY, SHIP) and as the borrower (RECEIVE, CHECK_OUT,
//              SHIP_RETURN), then CHECK_IN as the lender: 7 calls, 7 synced
//              writes. A submit nobody can lend is counted as unrouted and
//              the client starts another life.
//   health     grpc.health.v1.Health/Check: the transport's ceiling.
//
// A phase warms up for `warmup` seconds, then counts the calls that finish
// in the next `seconds`; percentiles are nearest rank over all of them.
//
// Thread-safe: Run() may be called from one thread at a time.
#ifndef SILANG_TOOLS_BENCH_DRIVER_H_
#define SILANG_TOOLS_BENCH_DRIVER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tools/bench/workload.h"

namespace silang::bench {

// Channels to one silangd, each its own HTTP/2 connection, and the bearer
// token every call carries.
class Connection {
 public:
  Connection(const std::string& target, std::string token, int channels);
  const std::shared_ptr<grpc::Channel>& channel(int i) const {
    return channels_[i % channels_.size()];
  }
  int channels() const { return static_cast<int>(channels_.size()); }
  // A context with the token and a deadline of `deadline_s`.
  std::unique_ptr<grpc::ClientContext> NewContext(double deadline_s = 30) const;

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string authorization_;
};

enum class Op { kSubmit, kLoanLife, kHealth };
const char* OpName(Op op);

struct Latencies {
  std::vector<int64_t> ns;  // sorted by Summarize
  double p(double q) const;  // microseconds, nearest rank; 0 if empty
};

struct PhaseResult {
  Op op = Op::kHealth;
  int concurrency = 0;
  double seconds = 0;     // measured window
  int64_t completed = 0;  // ops finished in the window
  double qps = 0;
  Latencies latency;      // per op
  int64_t unrouted = 0;   // submits that found no lender
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;  // "ABORTED: msg" -> count
  // loan_life only: latency of each kind of call inside the lives.
  std::map<std::string, Latencies> steps;
  int64_t rpcs = 0;  // RPCs finished in the window
  double server_cpu_us_per_op = 0;  // filled in by the caller
  double server_bg_cpu_us_per_op = 0;  // of it, RocksDB's background threads
  double client_cpu_us_per_op = 0;
};

// Where the phase is, for the progress display.
struct PhaseProgress {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> ops{0};
  std::atomic<int64_t> submitted{0};  // requests created, warm-up included
};

struct PhaseOptions {
  Op op = Op::kHealth;
  int concurrency = 16;
  double warmup_s = 1;
  double seconds = 10;
  uint64_t seed = 1;
  // How many phases of the same op and K came before this one in the run.
  // The client streams are seeded by op, K and this, so a repeated phase
  // asks for new titles instead of replaying the first one's (a replay
  // measured about twice the throughput: a workload already seen).
  int repeat = 0;
  std::string run_id;  // makes idempotency keys unique across runs
};

class Driver {
 public:
  // active_libraries: indexes of the libraries that may borrow.
  Driver(const Connection& conn, const WorkloadShape& shape,
         std::vector<int> active_libraries);
  ~Driver();

  PhaseResult Run(const PhaseOptions& options, PhaseProgress& progress);

 private:
  class Client;
  const Connection& conn_;
  const WorkloadShape shape_;
  const std::vector<int> active_;
  const ZipfSampler titles_;
};

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_DRIVER_H_
