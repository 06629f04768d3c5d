#include "services/work_pool.h"

#include "services/convert.h"

namespace silang {

WorkPool::WorkPool(int threads) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkPool::~WorkPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

void WorkPool::Run(absl::AnyInvocable<void()> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
}

void WorkPool::Loop() {
  for (;;) {
    absl::AnyInvocable<void()> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return p->stopping_ || !p->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* ctx,
                                  WorkPool& pool,
                                  absl::AnyInvocable<absl::Status()> handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  pool.Run([reactor, handler = std::move(handler)]() mutable {
    reactor->Finish(ToGrpc(handler()));
  });
  return reactor;
}

}  // namespace silang
