#include "tools/bench/agent_streams.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "silang/v1/agent.grpc.pb.h"

namespace silang::bench {

// One subscription: reads until cancelled. Reactions run on gRPC's threads.
class AgentStreams::Stream final
    : public grpc::ClientReadReactor<v1::SubscribeTasksResponse> {
 public:
  Stream(AgentStreams& hub, std::shared_ptr<grpc::Channel> channel,
         std::unique_ptr<grpc::ClientContext> ctx, const std::string& library)
      : hub_(hub),
        stub_(v1::AgentService::NewStub(std::move(channel))),
        ctx_(std::move(ctx)) {
    request_.set_library_id(library);
    stub_->async()->SubscribeTasks(ctx_.get(), &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void Cancel() { ctx_->TryCancel(); }

  void OnReadInitialMetadataDone(bool ok) override {
    absl::MutexLock lock(&hub_.mu_);
    if (ok) ++hub_.accepted_;
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    hub_.events_.fetch_add(1, std::memory_order_relaxed);
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&hub_.mu_);
    ++hub_.done_;
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED &&
        hub_.first_error_.empty()) {
      hub_.first_error_ =
          absl::StrCat(status.error_code(), " ", status.error_message());
    }
  }

 private:
  AgentStreams& hub_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::SubscribeTasksRequest request_;
  v1::SubscribeTasksResponse event_;
};

absl::StatusOr<std::unique_ptr<AgentStreams>> AgentStreams::Open(
    const std::string& target, const std::string& token,
    const std::vector<std::string>& libraries, absl::Duration wait) {
  std::unique_ptr<AgentStreams> hub(new AgentStreams());
  const int n = static_cast<int>(libraries.size());
  // One channel, so one connection, per agent, as in a real network.
  hub->conn_ = std::make_unique<Connection>(target, token, n);
  // The streams outlive the phases; the deadline only bounds a lost one.
  const double deadline_s = absl::ToDoubleSeconds(absl::Hours(24));
  for (int i = 0; i < n; ++i) {
    hub->streams_.push_back(std::make_unique<Stream>(
        *hub, hub->conn_->channel(i), hub->conn_->NewContext(deadline_s),
        libraries[i]));
  }
  absl::MutexLock lock(&hub->mu_);
  auto settled = [&hub, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->mu_) {
    return hub->accepted_ + hub->done_ >= n;
  };
  hub->mu_.AwaitWithTimeout(absl::Condition(&settled), wait);
  if (hub->accepted_ < n) {
    return absl::UnavailableError(absl::StrCat(
        "agent streams: ", hub->accepted_, " of ", n, " accepted in ",
        absl::FormatDuration(wait),
        hub->first_error_.empty() ? "" : "; first error: ", hub->first_error_));
  }
  return hub;
}

AgentStreams::~AgentStreams() {
  for (auto& stream : streams_) stream->Cancel();
  absl::MutexLock lock(&mu_);
  const int n = static_cast<int>(streams_.size());
  auto all_done = [this, n]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ >= n; };
  mu_.Await(absl::Condition(&all_done));
}

}  // namespace silang::bench
