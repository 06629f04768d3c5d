#include "services/work_pool.h"

#include "services/convert.h"

namespace silang {

WorkPool::WorkPool(int threads, std::function<void(absl::Duration)> on_wait)
    : on_wait_(std::move(on_wait)) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkPool::Run(absl::AnyInvocable<void()> work) {
  Queued queued{std::move(work), {}};
  if (on_wait_) queued.since = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(queued));
  }
  wake_.notify_one();
}

void WorkPool::Loop() {
  for (;;) {
    Queued next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    if (on_wait_) {
      on_wait_(absl::FromChrono(std::chrono::steady_clock::now() - next.since));
    }
    next.work();
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
