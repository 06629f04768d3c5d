// Worker: a thread that runs one step function until stopped, pausing
// between steps as the step asks: at once after progress, until poked (or
// a poll interval) when idle, and for the next Backoff delay after a
// failure. Used for the outbox sender and the availability pusher.
// Thread-safe.
#ifndef SILANG_SERVICES_AGENT_WORKER_H_
#define SILANG_SERVICES_AGENT_WORKER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/agent/backoff.h"

namespace silang::agent {

enum class StepResult {
  kProgress,  // did something; step again now
  kIdle,      // nothing to do; wait for Poke()
  kRetry,     // failed; wait for the backoff delay
};

class Worker {
 public:
  Worker(std::function<StepResult()> step, BackoffOptions backoff,
         uint64_t seed, absl::Duration idle_poll = absl::Seconds(5));
  ~Worker() { Stop(); }

  void Start();
  // Wakes an idle worker (new work). A worker in backoff keeps waiting.
  void Poke();
  // Returns once the current step is over; idempotent.
  void Stop();

 private:
  void Loop();
  // Waits up to `d`, or until stopped (or poked, if `pokeable`).
  void Pause(absl::Duration d, bool pokeable);

  std::function<StepResult()> step_;
  Backoff backoff_;  // used only by the worker thread
  const absl::Duration idle_poll_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_WORKER_H_
