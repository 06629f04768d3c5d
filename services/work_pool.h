// WorkPool: the threads that run engine calls for the gRPC handlers.
//
// gRPC's callback API runs handlers on its own few threads (about one per
// core), and a reactor must never block. An engine command blocks on the
// WAL fsync, so a handler that ran it inline would hold one of those threads
// for a whole sync, and the store would see at most a couple of commands at
// a time: no group commit. The handlers instead hand the engine call to this
// pool and return at once; the call finishes its reactor from here. With
// many threads waiting on the same fsync, RocksDB commits their batches
// together.
//
// on_wait, if set, is told how long each piece of work waited in the queue
// before a thread took it: near zero while a worker is idle, and the first
// thing to grow when the cores are saturated (silangd exports it as
// silang_work_queue_seconds).
//
// Thread-safe. The destructor runs what is queued, then joins.
#ifndef SILANG_SERVICES_WORK_POOL_H_
#define SILANG_SERVICES_WORK_POOL_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace silang {

class WorkPool {
 public:
  // REQUIRES: threads > 0. on_wait must be thread-safe and quick.
  explicit WorkPool(int threads,
                    std::function<void(absl::Duration)> on_wait = nullptr);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void Run(absl::AnyInvocable<void()> work);

 private:
  struct Queued {
    absl::AnyInvocable<void()> work;
    std::chrono::steady_clock::time_point since;
  };
  void Loop();

  const std::function<void(absl::Duration)> on_wait_;

  // A plain condition variable, not absl::Mutex::Await: with dozens of
  // idle workers, every unlock of an Await-ed absl::Mutex evaluates the
  // waiters' conditions, on the path of every call.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Runs handler() on the pool and finishes the unary call with the status it
// returns (through services/convert.h's ToGrpc). The handler may use the
// call's request and response: both live until the call is finished.
grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* ctx,
                                  WorkPool& pool,
                                  absl::AnyInvocable<absl::Status()> handler);

}  // namespace silang

#endif  // SILANG_SERVICES_WORK_POOL_H_
