#include "services/task_stream.h"

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "engine/task_view.h"
#include "services/convert.h"

namespace silang {
namespace {

// Feed entries read per refill; also the most a stream buffers.
constexpr int kBatch = 64;

v1::SubscribeTasksResponse EventFor(const FeedEntry& entry,
                                    const RequestRecord& request,
                                    const std::string& library) {
  v1::SubscribeTasksResponse event;
  event.set_cursor(entry.seq);
  const TaskView view = TaskViewFor(request.state(), request.service_type(),
                                    request.borrower_library_id(),
                                    request.current_lender_id(), library);
  v1::Task* task = event.mutable_task();
  *task->mutable_request() = ToApi(request, RequestView::kRouted);
  task->set_role(static_cast<v1::Role>(view.role));
  for (Action a : view.actions) task->add_actions(static_cast<v1::Action>(a));
  event.set_open(view.role != storage::v1::ROLE_UNSPECIFIED);
  return event;
}

}  // namespace

struct TaskStreams::Signal {
  absl::Mutex mu;
  TaskStreams* target ABSL_GUARDED_BY(mu) = nullptr;
};

// One SubscribeTasks call. Flags under mu_ make sure exactly one thread
// starts each write and exactly one calls Finish, with no write in flight;
// the gRPC calls themselves are made outside the lock.
class TaskStreams::Stream final
    : public grpc::ServerWriteReactor<v1::SubscribeTasksResponse> {
 public:
  Stream(TaskStreams& hub, std::string library, uint64_t after)
      : hub_(hub), library_(std::move(library)), read_cursor_(after) {}

  const std::string& library() const { return library_; }

  // Reader thread only: appends the feed entries after the buffered ones.
  void Refill(RequestEngine& engine) {
    int room;
    uint64_t after;
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      room = kBatch - static_cast<int>(buffer_.size());
      more_ = room == 0;
      after = read_cursor_;
    }
    if (room == 0) return;
    auto entries = engine.feed().Read(library_, after, room);
    if (!entries.ok()) return End(ToGrpc(entries.status()));
    std::deque<v1::SubscribeTasksResponse> events;
    for (const FeedEntry& e : *entries) {
      auto request = engine.Get(e.record.request_id());
      if (!request.ok()) return End(ToGrpc(request.status()));
      events.push_back(EventFor(e, *request, library_));
    }
    {
      absl::MutexLock lock(&mu_);
      if (!entries->empty()) read_cursor_ = entries->back().seq;
      more_ = static_cast<int>(entries->size()) == room;
      for (auto& e : events) buffer_.push_back(std::move(e));
    }
    MaybeWrite();
  }

  // Finishes with `status` once no write is in flight. The first call wins.
  void End(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      final_status_ = std::move(status);
      if (writing_) return;  // OnWriteDone finishes
      finish_started_ = true;
    }
    Finish(final_status_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    bool want_more = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !ending_) {  // the call broke: the client went away
        ending_ = true;
        final_status_ =
            grpc::Status(grpc::StatusCode::CANCELLED, "write failed");
      }
      if (ending_) {
        finish = !std::exchange(finish_started_, true);
      } else if (buffer_.empty() && more_) {
        more_ = false;
        want_more = true;
      }
    }
    if (finish) return Finish(final_status_);
    if (want_more) hub_.Want(this);
    MaybeWrite();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
  }

  void OnDone() override {
    std::shared_ptr<Stream> keep = std::move(self_);
    hub_.Remove(this);
    // `keep` may free this stream here, or the reader's copy does later.
  }

  // Sends initial metadata at once, so a client learns the subscription
  // was accepted before any task changes.
  void Begin(std::shared_ptr<Stream> self) {
    self_ = std::move(self);
    StartSendInitialMetadata();
  }
  void Reject(std::shared_ptr<Stream> self, grpc::Status status) {
    self_ = std::move(self);
    End(std::move(status));
  }

 private:
  void MaybeWrite() {
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || ending_ || buffer_.empty()) return;
      writing_ = true;
      in_flight_ = std::move(buffer_.front());
      buffer_.pop_front();
    }
    StartWrite(&in_flight_);
  }

  TaskStreams& hub_;
  const std::string library_;
  std::shared_ptr<Stream> self_;  // set before any reaction can run
  absl::Mutex mu_;
  uint64_t read_cursor_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::SubscribeTasksResponse> buffer_ ABSL_GUARDED_BY(mu_);
  bool more_ ABSL_GUARDED_BY(mu_) = false;  // the last read filled its room
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_started_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_;  // written once, before finish_started_
  v1::SubscribeTasksResponse in_flight_;  // owned by gRPC while writing_
};

TaskStreams::TaskStreams(RequestEngine& engine)
    : engine_(engine), signal_(std::make_shared<Signal>()) {
  {
    absl::MutexLock lock(&signal_->mu);
    signal_->target = this;
  }
  reader_ = std::thread([this] { ReaderLoop(); });
}

TaskStreams::~TaskStreams() {
  Shutdown();
  absl::MutexLock lock(&signal_->mu);
  signal_->target = nullptr;
}

void TaskStreams::ListenTo(TaskFeed& feed) {
  feed.SetListener([signal = signal_](const std::vector<std::string>& libs) {
    absl::MutexLock lock(&signal->mu);
    if (signal->target != nullptr) signal->target->Wake(libs);
  });
}

grpc::ServerWriteReactor<v1::SubscribeTasksResponse>* TaskStreams::Open(
    grpc::CallbackServerContext* ctx, const v1::SubscribeTasksRequest& request,
    const absl::Status& admitted) {
  auto stream = std::make_shared<Stream>(*this, request.library_id(),
                                         request.after_cursor());
  Stream* raw = stream.get();
  if (!admitted.ok()) {
    raw->Reject(std::move(stream), ToGrpc(admitted));
    return raw;
  }
  // Metadata first: nothing else touches the stream until it is live_.
  ctx->AddInitialMetadata("silang-subscribed", "1");
  raw->Begin(stream);
  bool closed;
  {
    absl::MutexLock lock(&mu_);
    closed = closed_;
    if (!closed) {
      live_[raw] = std::move(stream);
      by_library_.emplace(raw->library(), raw);
      wanted_.insert(raw);
    }
  }
  if (closed) {
    raw->End(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }
  return raw;
}

void TaskStreams::Wake(const std::vector<std::string>& libraries) {
  absl::MutexLock lock(&mu_);
  for (const std::string& library : libraries) {
    auto [begin, end] = by_library_.equal_range(library);
    for (auto it = begin; it != end; ++it) wanted_.insert(it->second);
  }
}

void TaskStreams::Want(Stream* stream) {
  absl::MutexLock lock(&mu_);
  wanted_.insert(stream);
}

void TaskStreams::Remove(Stream* stream) {
  absl::MutexLock lock(&mu_);
  live_.erase(stream);
  wanted_.erase(stream);
  auto [begin, end] = by_library_.equal_range(stream->library());
  for (auto it = begin; it != end; ++it) {
    if (it->second == stream) {
      by_library_.erase(it);
      break;
    }
  }
}

int TaskStreams::open_streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(live_.size());
}

void TaskStreams::Shutdown() {
  std::vector<std::shared_ptr<Stream>> open;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    for (const auto& [raw, stream] : live_) open.push_back(stream);
  }
  for (const auto& stream : open) {
    stream->End(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }
  if (reader_.joinable()) reader_.join();
}

void TaskStreams::ReaderLoop() {
  while (true) {
    std::vector<std::shared_ptr<Stream>> todo;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closed_ || !wanted_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (closed_) return;
      for (Stream* raw : wanted_) todo.push_back(live_.at(raw));
      wanted_.clear();
    }
    for (const auto& stream : todo) stream->Refill(engine_);
  }
}

}  // namespace silang
