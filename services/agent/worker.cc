#include "services/agent/worker.h"

namespace silang::agent {

Worker::Worker(std::function<StepResult()> step, BackoffOptions backoff,
               uint64_t seed, absl::Duration idle_poll)
    : step_(std::move(step)), backoff_(backoff, seed), idle_poll_(idle_poll) {}

void Worker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Poke() {
  absl::MutexLock lock(&mu_);
  poked_ = true;
}

void Worker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Worker::Pause(absl::Duration d, bool pokeable) {
  absl::MutexLock lock(&mu_);
  auto wake = [this, pokeable]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || (pokeable && poked_);
  };
  mu_.AwaitWithTimeout(absl::Condition(&wake), d);
  if (pokeable) poked_ = false;
}

void Worker::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      poked_ = false;  // this step sees everything poked so far
    }
    switch (step_()) {
      case StepResult::kProgress:
        backoff_.Reset();
        break;
      case StepResult::kIdle:
        backoff_.Reset();
        Pause(idle_poll_, /*pokeable=*/true);
        break;
      case StepResult::kRetry:
        Pause(backoff_.Next(), /*pokeable=*/false);
        break;
    }
  }
}

}  // namespace silang::agent
