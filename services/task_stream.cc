#include "services/task_stream.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "engine/task_view.h"
#include "grpc/grpc.h"
#include "services/convert.h"

namespace silang {
namespace {

// Feed entries read per refill; also the most a stream buffers.
constexpr int kBatch = 64;
// Calls requested from gRPC at a time: more arrive between the acceptor's
// checks when a network's agents reconnect after a restart.
constexpr int kAwaiting = 32;
// How long the acceptor sleeps when no call has arrived: from the least,
// just after a call, doubling up to the most while none come (a check
// costs tens of microseconds, so checking every 2 ms used 3% of a core in
// an idle silangd). The most is what a new subscription can wait for its
// initial metadata after a quiet spell.
constexpr absl::Duration kAcceptorIdleLeast = absl::Milliseconds(1);
constexpr absl::Duration kAcceptorIdleMost = absl::Milliseconds(50);

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

// One SubscribeTasks call, from waiting for it to gRPC returning its last
// operation. Each operation's tag names the handler its completion runs:
// OnAccepted on the acceptor's thread, the rest on the thread of the
// stream's call queue. Flags under mu_
// make sure exactly one thread starts each write and at most one calls
// Finish, with no write in flight; the gRPC calls themselves are made
// outside the lock.
class TaskStreams::Stream final {
 public:
  // A completion queue tag: which of this stream's operations returned.
  struct Tag {
    Stream* stream;
    void (Stream::*on)(bool ok);
    void Fire(bool ok) { (stream->*on)(ok); }
  };

  explicit Stream(TaskStreams& hub) : hub_(hub), writer_(&ctx_) {}

  const std::string& library() const { return library_; }

  // Waits for the next SubscribeTasks call, announced on `accept_queue`;
  // the call's own operations then complete on `call_queue`.
  void Await(AsyncService& service, std::shared_ptr<Stream> self,
             grpc::ServerCompletionQueue& accept_queue,
             grpc::CompletionQueue& call_queue) {
    self_ = std::move(self);
    ctx_.AsyncNotifyWhenDone(&done_tag_);
    service.RequestSubscribeTasks(&ctx_, &request_, &writer_, &call_queue,
                                  &accept_queue, &accept_tag_);
  }

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

  // Finishes with `status` once no write is in flight. The first call wins;
  // a call already over ends without one.
  void End(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      final_status_ = std::move(status);
      if (writing_ || accepting_) return;  // they finish
      finish_started_ = true;
    }
    writer_.Finish(final_status_, &finish_tag_);
  }

 private:
  // A call arrived (or, with !ok, the server is shutting down and none
  // will): admit it, and ask for the next one. Runs on the acceptor's
  // thread; the call's other operations complete on its call queue, and
  // until this ends (accepting_) none of them may start or release it.
  void OnAccepted(bool ok) {
    if (!ok) {
      self_.reset();  // no call, so no other operation: frees this
      return;
    }
    hub_.Accept();
    library_ = request_.library_id();
    absl::Status admitted = hub_.admit_(ctx_, request_);
    if (admitted.ok()) {
      {
        absl::MutexLock lock(&mu_);
        read_cursor_ = request_.after_cursor();
      }
      ctx_.AddInitialMetadata("silang-subscribed", "1");
      if (!hub_.Register(self_)) {
        admitted = absl::UnavailableError("server shutting down");
      }
    }
    bool finish = false;
    bool send = false;
    {
      absl::MutexLock lock(&mu_);
      accepting_ = false;
      if (!admitted.ok() && !ending_) {
        ending_ = true;
        final_status_ = ToGrpc(admitted);
      }
      if (ending_) {  // refused, shut down, or already cancelled
        finish = !done_ && !std::exchange(finish_started_, true);
      } else {
        writing_ = send = true;  // the metadata is the call's first write
      }
    }
    if (finish) {
      writer_.Finish(final_status_, &finish_tag_);
    } else if (send) {
      // Sent at once, so a client learns the subscription was accepted
      // before any task changes.
      writer_.SendInitialMetadata(&write_tag_);
    } else {
      MaybeRelease();
    }
  }

  void OnWriteDone(bool ok) {
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
        finish = !done_ && !std::exchange(finish_started_, true);
      } else if (buffer_.empty() && more_) {
        more_ = false;
        want_more = true;
      }
    }
    if (finish) return writer_.Finish(final_status_, &finish_tag_);
    if (want_more) hub_.Want(this);
    MaybeWrite();
    MaybeRelease();
  }

  void OnFinished(bool) {
    {
      absl::MutexLock lock(&mu_);
      finish_done_ = true;
    }
    MaybeRelease();
  }

  // The call is over: finished, cancelled by the client or cut off by the
  // server's shutdown. Nothing new may start on it.
  void OnDone(bool) {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      ending_ = true;
    }
    MaybeRelease();
  }

  // Once the call is over and gRPC holds none of its operations, the
  // stream leaves the live set and drops its own reference (the reader's
  // copy, if any, frees it later).
  void MaybeRelease() {
    {
      absl::MutexLock lock(&mu_);
      if (!done_ || accepting_ || writing_ || released_ ||
          (finish_started_ && !finish_done_)) {
        return;
      }
      released_ = true;
    }
    hub_.Remove(this);
    std::shared_ptr<Stream> keep = std::move(self_);
  }

  void MaybeWrite() {
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || ending_ || accepting_ || buffer_.empty()) return;
      writing_ = true;
      in_flight_ = std::move(buffer_.front());
      buffer_.pop_front();
    }
    writer_.Write(in_flight_, &write_tag_);
  }

  TaskStreams& hub_;
  grpc::ServerContext ctx_;
  v1::SubscribeTasksRequest request_;
  grpc::ServerAsyncWriter<v1::SubscribeTasksResponse> writer_;
  Tag accept_tag_{this, &Stream::OnAccepted};
  Tag write_tag_{this, &Stream::OnWriteDone};
  Tag finish_tag_{this, &Stream::OnFinished};
  Tag done_tag_{this, &Stream::OnDone};
  // Set by OnAccepted before the stream is shared with any other thread.
  std::string library_;
  // Held from Await until released: by OnAccepted, then MaybeRelease.
  std::shared_ptr<Stream> self_;
  absl::Mutex mu_;
  uint64_t read_cursor_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<v1::SubscribeTasksResponse> buffer_ ABSL_GUARDED_BY(mu_);
  bool more_ ABSL_GUARDED_BY(mu_) = false;  // the last read filled its room
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_started_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_done_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;  // until OnAccepted ends
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_;  // written once, before finish_started_
  v1::SubscribeTasksResponse in_flight_;  // owned by gRPC while writing_
};

TaskStreams::TaskStreams(RequestEngine& engine,
                         std::function<void(int)> on_open_changed)
    : engine_(engine),
      on_open_changed_(std::move(on_open_changed)),
      signal_(std::make_shared<Signal>()) {
  {
    absl::MutexLock lock(&signal_->mu);
    signal_->target = this;
  }
  reader_ = std::thread([this] { ReaderLoop(); });
}

TaskStreams::~TaskStreams() {
  Drain();
  absl::MutexLock lock(&signal_->mu);
  signal_->target = nullptr;
}

void TaskStreams::ListenTo(TaskFeed& feed) {
  feed.SetListener([signal = signal_](const std::vector<std::string>& libs) {
    absl::MutexLock lock(&signal->mu);
    if (signal->target != nullptr) signal->target->Wake(libs);
  });
}

void TaskStreams::Serve(
    AsyncService& service, Admit admit,
    std::unique_ptr<grpc::ServerCompletionQueue> accept_queue,
    int call_queues) {
  service_ = &service;
  admit_ = std::move(admit);
  accept_queue_ = std::move(accept_queue);
  grpc_completion_queue_attributes attributes{
      GRPC_CQ_CURRENT_VERSION, GRPC_CQ_NEXT, GRPC_CQ_NON_POLLING, nullptr};
  for (int i = 0; i < std::max(1, call_queues); ++i) {
    call_queues_.push_back(
        std::make_unique<grpc::CompletionQueue>(grpc_completion_queue_create(
            grpc_completion_queue_factory_lookup(&attributes), &attributes,
            nullptr)));
  }
  for (int i = 0; i < kAwaiting; ++i) Accept();
  threads_.emplace_back([this] { Acceptor(); });
  for (const auto& queue : call_queues_) {
    threads_.emplace_back([queue = queue.get()] {
      void* tag;
      bool ok;
      while (queue->Next(&tag, &ok)) static_cast<Stream::Tag*>(tag)->Fire(ok);
    });
  }
}

void TaskStreams::Accept() {
  // Under mu_, so no call is requested once Shutdown has begun: the
  // server's shutdown then returns every request and no later one can
  // reach a queue that Drain has shut.
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  auto stream = std::make_shared<Stream>(*this);
  Stream* raw = stream.get();
  grpc::CompletionQueue& call_queue = *call_queues_[next_queue_];
  next_queue_ = (next_queue_ + 1) % call_queues_.size();
  raw->Await(*service_, std::move(stream), *accept_queue_, call_queue);
}

void TaskStreams::Acceptor() {
  absl::Duration idle = kAcceptorIdleLeast;
  while (true) {
    void* tag;
    bool ok;
    // Never waits inside gRPC: that would make this thread a poller (the
    // header says why that costs every RPC).
    switch (accept_queue_->AsyncNext(&tag, &ok,
                                     gpr_inf_past(GPR_CLOCK_MONOTONIC))) {
      case grpc::CompletionQueue::GOT_EVENT:
        static_cast<Stream::Tag*>(tag)->Fire(ok);
        idle = kAcceptorIdleLeast;
        break;
      case grpc::CompletionQueue::TIMEOUT:
        absl::SleepFor(idle);
        idle = std::min(idle * 2, kAcceptorIdleMost);
        break;
      case grpc::CompletionQueue::SHUTDOWN:
        return;
    }
  }
}

bool TaskStreams::Register(std::shared_ptr<Stream> stream) {
  Stream* raw = stream.get();
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  live_[raw] = std::move(stream);
  by_library_.emplace(raw->library(), raw);
  wanted_.insert(raw);
  if (on_open_changed_) on_open_changed_(static_cast<int>(live_.size()));
  return true;
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
  if (live_.erase(stream) == 0) return;  // never admitted
  wanted_.erase(stream);
  auto [begin, end] = by_library_.equal_range(stream->library());
  for (auto it = begin; it != end; ++it) {
    if (it->second == stream) {
      by_library_.erase(it);
      break;
    }
  }
  if (on_open_changed_) on_open_changed_(static_cast<int>(live_.size()));
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

void TaskStreams::Drain() {
  Shutdown();
  {
    absl::MutexLock lock(&mu_);
    if (std::exchange(drained_, true)) return;
  }
  // The acceptor returns once the accept queue has given back every
  // request; the call queues once every stream has been released.
  if (accept_queue_) accept_queue_->Shutdown();
  for (const auto& queue : call_queues_) queue->Shutdown();
  for (std::thread& t : threads_) t.join();
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
