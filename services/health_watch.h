// HealthWatch: keeps silangd's gRPC health status in step with its store.
//
// A thread runs `probe` at start and then every `interval`, and calls
// `report(ok)` with each verdict (the first, and every one after it, so a
// caller that reports into two places stays consistent). silangd probes
// with CheckStore and reports to Server::SetServing: load balancers and
// orchestrators stop sending calls to a silangd whose disk has failed, and
// send them again once it recovers. Each change of verdict is logged once.
//
// Thread-safe; the destructor stops and joins the thread.
#ifndef SILANG_SERVICES_HEALTH_WATCH_H_
#define SILANG_SERVICES_HEALTH_WATCH_H_

#include <functional>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/store.h"

namespace silang {

// OK if the store answers a read and RocksDB reports no background error
// (a failed flush or compaction, after which RocksDB refuses writes).
absl::Status CheckStore(const Store& store);

class HealthWatch {
 public:
  HealthWatch(std::function<absl::Status()> probe,
              std::function<void(bool ok)> report, absl::Duration interval);
  ~HealthWatch();

  HealthWatch(const HealthWatch&) = delete;
  HealthWatch& operator=(const HealthWatch&) = delete;

  // Probes and reports now, on the caller's thread; returns the verdict.
  bool CheckNow();

 private:
  void Run();

  const std::function<absl::Status()> probe_;
  const std::function<void(bool)> report_;
  const absl::Duration interval_;
  absl::Mutex check_mu_;  // one probe and report at a time
  std::optional<bool> last_ ABSL_GUARDED_BY(check_mu_);
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace silang

#endif  // SILANG_SERVICES_HEALTH_WATCH_H_
