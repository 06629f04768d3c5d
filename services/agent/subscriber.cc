#include "services/agent/subscriber.h"

#include "spdlog/spdlog.h"

namespace silang::agent {

// The core adds this to the stream's initial metadata once it accepted
// the subscription (services/task_stream.cc).
constexpr char kAcceptedKey[] = "silang-subscribed";

Subscriber::Subscriber(GrpcCoreLink& link, std::string library,
                       std::function<uint64_t()> cursor, OnEvent on_event,
                       BackoffOptions backoff, uint64_t seed,
                       absl::Duration stream_timeout, LastError& last_error)
    : link_(link),
      library_(std::move(library)),
      cursor_(std::move(cursor)),
      on_event_(std::move(on_event)),
      backoff_(backoff, seed),
      stream_timeout_(stream_timeout),
      last_error_(last_error) {}

void Subscriber::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Subscriber::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (call_ != nullptr) call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool Subscriber::connected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

bool Subscriber::RunOnce(absl::Status& ended) {
  grpc::ClientContext ctx;
  link_.Prepare(ctx, stream_timeout_);
  v1::SubscribeTasksRequest req;
  req.set_library_id(library_);
  req.set_after_cursor(cursor_());
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return false;
    call_ = &ctx;
  }
  auto reader = link_.agent().SubscribeTasks(&ctx, req);
  reader->WaitForInitialMetadata();
  const bool accepted = ctx.GetServerInitialMetadata().count(kAcceptedKey) > 0;
  if (accepted) {
    absl::MutexLock lock(&mu_);
    connected_ = true;
    spdlog::info("subscribed to {}'s tasks after cursor {}", library_,
                 req.after_cursor());
  }
  v1::SubscribeTasksResponse event;
  absl::Status kept = absl::OkStatus();
  while (reader->Read(&event)) {
    kept = on_event_(event);
    if (!kept.ok()) {
      ctx.TryCancel();  // resubscribe from the last cursor stored
      break;
    }
  }
  ended = FromGrpc(reader->Finish());
  if (!kept.ok()) ended = kept;
  absl::MutexLock lock(&mu_);
  call_ = nullptr;
  connected_ = false;
  return accepted;
}

void Subscriber::Loop() {
  while (true) {
    absl::Status ended;
    const bool accepted = RunOnce(ended);
    absl::Duration pause = absl::ZeroDuration();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    if (accepted) backoff_.Reset();
    // A stream that lived out its deadline is renewed at once.
    if (!(accepted && ended.code() == absl::StatusCode::kDeadlineExceeded)) {
      pause = backoff_.Next();
      // Once per outage, not once per attempt.
      const bool repeat = last_error_.Get() == ended.ToString();
      last_error_.Set(ended);
      spdlog::log(repeat ? spdlog::level::debug : spdlog::level::warn,
                  "task stream: {}; trying again in {}", ended.ToString(),
                  absl::FormatDuration(pause));
    }
    absl::MutexLock lock(&mu_);
    auto stopped = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopped), pause);
    if (stop_) return;
  }
}

}  // namespace silang::agent
