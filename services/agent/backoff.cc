#include "services/agent/backoff.h"

#include <algorithm>

namespace silang::agent {

absl::Duration Backoff::Next() {
  const absl::Duration d = std::min(ceiling_, options_.max);
  ceiling_ = std::min(ceiling_ * options_.multiplier, options_.max);
  std::uniform_real_distribution<double> unit(0.5, 1.0);
  return d * unit(prng_);
}

}  // namespace silang::agent
