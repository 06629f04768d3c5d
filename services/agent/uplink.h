// The agent's two uplinks to the core, each one step of a Worker:
//
//  - Sender delivers the outbox (rules in outbox.h): one entry per step,
//    acting as the agent's library with the entry's idempotency key; the
//    core's reply refreshes the task cache.
//  - Pusher sends queued availability changes as holdings upserts (up to
//    500 items a call), and a queued resync as the library's whole holdings
//    (the first 1000 with replace_all, the rest as upserts).
//
// Transient failures (outbox.h's IsTransient, and for pushes anything but a
// bad item) return kRetry and leave everything queued. Not thread-safe:
// each is stepped by one Worker (or by a test).
#ifndef SILANG_SERVICES_AGENT_UPLINK_H_
#define SILANG_SERVICES_AGENT_UPLINK_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/agent/core_link.h"
#include "services/agent/items.h"
#include "services/agent/outbox.h"
#include "services/agent/task_cache.h"
#include "services/agent/worker.h"

namespace silang::agent {

// The last failure an uplink saw, for GetAgentStatus. Thread-safe.
class LastError {
 public:
  void Set(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    text_ = status.ToString();
  }
  std::string Get() const {
    absl::MutexLock lock(&mu_);
    return text_;
  }

 private:
  mutable absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
};

class Sender {
 public:
  // Borrows everything.
  Sender(CoreLink& link, Outbox& outbox, TaskCache& cache, std::string library,
         LastError& last_error)
      : link_(link),
        outbox_(outbox),
        cache_(cache),
        library_(std::move(library)),
        last_error_(last_error) {}

  StepResult Step();

 private:
  CoreLink& link_;
  Outbox& outbox_;
  TaskCache& cache_;
  const std::string library_;
  LastError& last_error_;
};

class Pusher {
 public:
  static constexpr int kUpsertBatch = 500;
  static constexpr int kResyncChunk = 1000;  // the core's per-call limit

  Pusher(CoreLink& link, ItemTable& items, std::string library,
         LastError& last_error)
      : link_(link),
        items_(items),
        library_(std::move(library)),
        last_error_(last_error) {}

  StepResult Step();
  int64_t dropped() const { return dropped_.load(); }  // bad items given up

 private:
  StepResult Resync(const QueuedPush& push);
  // Handles a failed call for `pushes`.
  StepResult Failed(const absl::Status& status,
                    const std::vector<QueuedPush>& pushes);

  CoreLink& link_;
  ItemTable& items_;
  const std::string library_;
  LastError& last_error_;
  int batch_ = kUpsertBatch;  // 1 after a rejected batch, until idle
  std::atomic<int64_t> dropped_{0};
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_UPLINK_H_
