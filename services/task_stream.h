// TaskStreams: silangd's open AgentService.SubscribeTasks streams.
//
// Every library agent holds one of these streams for hours, so a national
// network keeps up to 180,000 open at once. They are served with gRPC's
// async API on completion queues of their own (Serve), not with the
// callback API the other methods use: every open call keeps an operation
// outstanding on its completion queue, and Debian's libgrpc (built without
// NDEBUG) looks up each completed operation by a linear scan of all those
// outstanding on its queue (`cq_check_tag`). On the callback API's single
// shared queue every RPC of silangd would pay a scan over every open
// stream (about 3 us per RPC per 1,000 streams, measured); on the streams'
// own queues only the streams' own writes pay, over their queue's share.
//
// The streams' queues must not poll: a thread blocked on a polling queue
// takes its turn as the process's network poller, and then every RPC's
// socket work runs on it and is handed over to gRPC's callback threads,
// which doubled the CPU of a health check (measured). So each call's
// operations go to a non-polling queue with a thread of its own, and the
// server queue that announces new calls is only checked without waiting
// (Acceptor): 1 ms after a call, backing off to 50 ms while none come.
// docs/agent.md has the figures.
//
// A stream never blocks a queue thread: its handlers only move events from
// a small in-memory buffer to the wire, one write at a time (a write's
// completion starts the next). One reader thread owned by TaskStreams does
// all the RocksDB reads: it refills the buffer of a stream that asked for
// more, and of every stream of a library whose feed has new entries (the
// feed's single listener, installed by ListenTo, names them when its
// watermark moves). A commit therefore costs a read for the subscribers of
// the two or three libraries it touched, not for every open stream. Wakes
// that arrive while the reader is busy coalesce into one pass.
//
// An event carries the feed cursor and the request's current snapshot with
// this library's role and actions (engine/task_view.h), so it can be newer
// than the change that produced it; agents keep the highest version.
//
// Lifetime: a stream owns itself (shared_ptr) from the moment it waits for
// a call until gRPC has returned every operation it started, including
// the call's end (AsyncNotifyWhenDone); the reader holds extra references
// while it works on one, so a stream is never freed under it. Shutdown()
// ends every open stream with UNAVAILABLE and stops the reader; Drain(),
// after grpc::Server::Shutdown, shuts the queues and joins their threads.
// TaskStreams must outlive the grpc::Server it serves. Thread-safe.
#ifndef SILANG_SERVICES_TASK_STREAM_H_
#define SILANG_SERVICES_TASK_STREAM_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/requests.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/server_context.h"
#include "silang/v1/agent.grpc.pb.h"

namespace silang {

class TaskStreams {
 public:
  // The service whose SubscribeTasks calls the streams take.
  using AsyncService = v1::AgentService::WithAsyncMethod_SubscribeTasks<
      v1::AgentService::Service>;
  // Whether a subscription may open (authentication, arguments). A non-OK
  // status ends the call with it at once. Runs on a queue thread.
  using Admit = std::function<absl::Status(
      const grpc::ServerContext& ctx, const v1::SubscribeTasksRequest& req)>;

  // Borrows engine; it must outlive this. Starts the reader thread. If
  // set, on_open_changed is told the number of open streams whenever it
  // changes (under a lock: keep it cheap).
  explicit TaskStreams(RequestEngine& engine,
                       std::function<void(int)> on_open_changed = nullptr);
  ~TaskStreams();

  TaskStreams(const TaskStreams&) = delete;
  TaskStreams& operator=(const TaskStreams&) = delete;

  // Installs the feed's listener so commits wake the reader. Call once,
  // before serving (TaskFeed::SetListener is not synchronized with
  // commits). The listener stays harmless after this is destroyed.
  void ListenTo(TaskFeed& feed);

  // Takes `service`'s SubscribeTasks calls as they arrive on
  // `accept_queue` (made by the ServerBuilder that registered the service,
  // after BuildAndStart), and serves them on `call_queues` non-polling
  // queues, one thread each. Once. An admitted stream's initial metadata,
  // sent at once, carries "silang-subscribed: 1" so the agent knows it is
  // live.
  void Serve(AsyncService& service, Admit admit,
             std::unique_ptr<grpc::ServerCompletionQueue> accept_queue,
             int call_queues);

  // These libraries' feeds have new entries: their streams re-read them.
  // Cheap; any thread.
  void Wake(const std::vector<std::string>& libraries);

  // Ends every stream with UNAVAILABLE, refuses new ones and stops the
  // reader thread. Call before grpc::Server::Shutdown, so its grace period
  // is not spent waiting for streams that never end by themselves.
  // Idempotent.
  void Shutdown();
  // After grpc::Server::Shutdown: shuts the queues down and joins their
  // threads once gRPC has returned every operation. Idempotent.
  void Drain();

  int open_streams() const;

 private:
  class Stream;
  struct Signal;  // what the feed listener holds

  // Asks gRPC for one more call, to be served on the next call queue.
  void Accept();
  void Acceptor();  // the accept queue's thread
  // An admitted call joins the live streams; false once shut down.
  bool Register(std::shared_ptr<Stream> stream);
  void Remove(Stream* stream);
  void Want(Stream* stream);  // a stream's buffer drained; read more
  void ReaderLoop();

  RequestEngine& engine_;
  const std::function<void(int)> on_open_changed_;
  std::shared_ptr<Signal> signal_;
  AsyncService* service_ = nullptr;  // set by Serve, before any thread
  Admit admit_;
  std::unique_ptr<grpc::ServerCompletionQueue> accept_queue_;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> call_queues_;
  std::vector<std::thread> threads_;  // the acceptor and each call queue's
  mutable absl::Mutex mu_;
  std::map<Stream*, std::shared_ptr<Stream>> live_ ABSL_GUARDED_BY(mu_);
  // The open streams of each library (an agent that reconnects may
  // briefly have two).
  std::multimap<std::string, Stream*, std::less<>> by_library_
      ABSL_GUARDED_BY(mu_);
  std::set<Stream*> wanted_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
  size_t next_queue_ ABSL_GUARDED_BY(mu_) = 0;  // round robin
  std::thread reader_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_TASK_STREAM_H_
