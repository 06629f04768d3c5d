// SilangdProcess: a silangd that silang-bench starts on a data directory of
// its own, on a free loopback port, and stops with SIGTERM. Start() returns
// once the gRPC health service answers SERVING and reports how long that
// took from the exec, which is the start-up time the issue targets.
//
// Not thread-safe; one owner.
#ifndef SILANG_TOOLS_BENCH_SILANGD_PROCESS_H_
#define SILANG_TOOLS_BENCH_SILANGD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace silang::bench {

struct MemoryUse {
  double rss_mib = 0;  // VmRSS
  double hwm_mib = 0;  // VmHWM: peak resident
};

// VmRSS and VmHWM from /proc/PID/status.
absl::StatusOr<MemoryUse> ReadMemoryUse(pid_t pid);

// User plus system CPU seconds the process has used (/proc/PID/stat);
// 0 if it cannot be read.
double ProcessCpuSeconds(pid_t pid);

// The same, summed over the process's threads whose name (/proc/.../comm)
// starts with name_prefix: "rocksdb:" is RocksDB's flushes and compactions.
// Threads that exited are not counted, so only long-lived pools add up.
double ThreadsCpuSeconds(pid_t pid, absl::string_view name_prefix);

class SilangdProcess {
 public:
  SilangdProcess(std::string binary, std::string work_dir)
      : binary_(std::move(binary)), work_dir_(std::move(work_dir)) {}
  ~SilangdProcess();  // SIGKILLs a process still running

  // Starts silangd on work_dir/data (log in work_dir/silangd.log); returns
  // the seconds from fork to the first SERVING health answer.
  absl::StatusOr<double> Start(const std::vector<std::string>& extra_args);
  // SIGTERM, then waits; error if it exits non-zero or takes over 30 s.
  absl::Status Stop();

  pid_t pid() const { return pid_; }
  const std::string& target() const { return target_; }  // 127.0.0.1:PORT
  std::string data_dir() const { return work_dir_ + "/data"; }
  // The bootstrap admin token silangd wrote on a new store.
  absl::StatusOr<std::string> AdminToken() const;
  // The loopback port of its Prometheus metrics (waits up to 5 s for it).
  absl::StatusOr<int> MetricsPort() const;

 private:
  std::string metrics_port_file() const { return work_dir_ + "/metrics_port"; }

  std::string binary_;
  std::string work_dir_;
  std::string target_;
  pid_t pid_ = -1;
};

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_SILANGD_PROCESS_H_
