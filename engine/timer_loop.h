// TimerLoop: a thread that fires the engine's due timers (response
// deadlines, due dates, routing retries) every `interval` until destroyed.
// The timers themselves live in RocksDB, so nothing is lost across a
// restart: the first sweep after start-up fires whatever fell due meanwhile.
#ifndef SILANG_ENGINE_TIMER_LOOP_H_
#define SILANG_ENGINE_TIMER_LOOP_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/requests.h"

namespace silang {

class TimerLoop {
 public:
  // on_error is called (from the loop's thread) when a sweep fails.
  TimerLoop(RequestEngine& engine, absl::Duration interval,
            std::function<void(const absl::Status&)> on_error);
  ~TimerLoop();  // stops and joins

  TimerLoop(const TimerLoop&) = delete;
  TimerLoop& operator=(const TimerLoop&) = delete;

 private:
  void Run();

  RequestEngine& engine_;
  const absl::Duration interval_;
  std::function<void(const absl::Status&)> on_error_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_TIMER_LOOP_H_
