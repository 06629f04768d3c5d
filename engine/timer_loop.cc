#include "engine/timer_loop.h"

namespace silang {

TimerLoop::TimerLoop(RequestEngine& engine, absl::Duration interval,
                     std::function<void(const absl::Status&)> on_error)
    : engine_(engine),
      interval_(interval),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

TimerLoop::~TimerLoop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void TimerLoop::Run() {
  while (true) {
    // Drain everything due, a bounded batch at a time.
    while (true) {
      auto sweep = engine_.RunDueTimers(1000);
      if (!sweep.ok()) {
        on_error_(sweep.status());
        break;
      }
      if (!sweep->first_error.ok()) on_error_(sweep->first_error);
      // A full batch may have more behind it, unless it was all failures.
      if (sweep->seen < 1000 || sweep->failed == sweep->seen) break;
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
  }
}

}  // namespace silang
