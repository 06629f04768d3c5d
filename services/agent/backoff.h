// Backoff: how long silang-agent waits before trying the core again.
//
// Exponential from `initial`, times `multiplier` per failure, capped at
// `max`; each delay is drawn uniformly from [d/2, d] so that agents cut
// off together (the core restarted) do not all return in the same
// instant. The draw comes from a PRNG seeded by the caller, so tests
// replay the same delays. Not thread-safe: one per retry loop.
#ifndef SILANG_SERVICES_AGENT_BACKOFF_H_
#define SILANG_SERVICES_AGENT_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace silang::agent {

struct BackoffOptions {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
};

class Backoff {
 public:
  Backoff(BackoffOptions options, uint64_t seed)
      : options_(options), prng_(seed), ceiling_(options.initial) {}

  // The delay before the next attempt; grows until Reset().
  absl::Duration Next();
  // After a success: the next failure waits `initial` again.
  void Reset() { ceiling_ = options_.initial; }

 private:
  BackoffOptions options_;
  std::mt19937_64 prng_;
  absl::Duration ceiling_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_BACKOFF_H_
