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
// Thread-safe. The destructor runs what is queued, then joins.
#ifndef SILANG_SERVICES_WORK_POOL_H_
#define SILANG_SERVICES_WORK_POOL_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace silang {

class WorkPool {
 public:
  // REQUIRES: threads > 0.
  explicit WorkPool(int threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void Run(absl::AnyInvocable<void()> work);

 private:
  void Loop();

  // A plain condition variable, not absl::Mutex::Await: with dozens of
  // idle workers, every unlock of an Await-ed absl::Mutex evaluates the
  // waiters' conditions, on the path of every call.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
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
