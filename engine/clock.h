// Clock: where the engine reads the time. main() passes a SystemClock;
// tests pass a FakeClock and move it by hand. Both are thread-safe.
#ifndef SILANG_ENGINE_CLOCK_H_
#define SILANG_ENGINE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace silang {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  int64_t NowMicros() const { return absl::ToUnixMicros(Now()); }
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : us_(absl::ToUnixMicros(start)) {}
  absl::Time Now() const override { return absl::FromUnixMicros(us_.load()); }
  void Advance(absl::Duration d) { us_ += absl::ToInt64Microseconds(d); }
  void Set(absl::Time t) { us_ = absl::ToUnixMicros(t); }

 private:
  std::atomic<int64_t> us_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_CLOCK_H_
