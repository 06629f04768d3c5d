// TaskStreams: silangd's open AgentService.SubscribeTasks streams.
//
// Each stream is a callback-API write reactor that never blocks a gRPC
// thread: its reactions only move events from a small in-memory buffer to
// the wire, one write at a time (OnWriteDone starts the next). One reader
// thread owned by TaskStreams does all the RocksDB reads: it refills the
// buffer of a stream that asked for more, and of every stream of a library
// whose feed has new entries (the feed's single listener, installed by
// ListenTo, names them when its watermark moves). A commit therefore costs
// a read for the subscribers of the two or three libraries it touched, not
// for every open stream: a national network keeps one stream per library
// agent. Wakes that arrive while the reader is busy coalesce into one pass.
//
// An event carries the feed cursor and the request's current snapshot with
// this library's role and actions (engine/task_view.h), so it can be newer
// than the change that produced it; agents keep the highest version.
//
// Lifetime: a stream owns itself (shared_ptr) until gRPC calls OnDone; the
// reader holds extra references while it works on one, so a stream is
// never freed under it. Shutdown() ends every open stream with UNAVAILABLE
// (a write in flight completes first; a stalled client is cut off by the
// server's shutdown deadline) and stops the reader. TaskStreams must
// outlive the grpc::Server it serves. Thread-safe.
#ifndef SILANG_SERVICES_TASK_STREAM_H_
#define SILANG_SERVICES_TASK_STREAM_H_

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
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "silang/v1/agent.pb.h"

namespace silang {

class TaskStreams {
 public:
  // Borrows engine; it must outlive this. Starts the reader thread.
  explicit TaskStreams(RequestEngine& engine);
  ~TaskStreams();

  TaskStreams(const TaskStreams&) = delete;
  TaskStreams& operator=(const TaskStreams&) = delete;

  // Installs the feed's listener so commits wake the reader. Call once,
  // before serving (TaskFeed::SetListener is not synchronized with
  // commits). The listener stays harmless after this is destroyed.
  void ListenTo(TaskFeed& feed);

  // The reactor for one SubscribeTasks call. With a non-OK `admitted`
  // (authentication, a bad argument) it finishes at once with that status;
  // otherwise the initial metadata, sent at once, carries
  // "silang-subscribed: 1" so the agent knows it is live.
  grpc::ServerWriteReactor<v1::SubscribeTasksResponse>* Open(
      grpc::CallbackServerContext* ctx,
      const v1::SubscribeTasksRequest& request, const absl::Status& admitted);

  // These libraries' feeds have new entries: their streams re-read them.
  // Cheap; any thread.
  void Wake(const std::vector<std::string>& libraries);

  // Ends every stream with UNAVAILABLE, refuses new ones and stops the
  // reader thread. Idempotent.
  void Shutdown();

  int open_streams() const;

 private:
  class Stream;
  struct Signal;  // what the feed listener holds

  void Remove(Stream* stream);
  void Want(Stream* stream);  // a stream's buffer drained; read more
  void ReaderLoop();

  RequestEngine& engine_;
  std::shared_ptr<Signal> signal_;
  mutable absl::Mutex mu_;
  std::map<Stream*, std::shared_ptr<Stream>> live_ ABSL_GUARDED_BY(mu_);
  // The open streams of each library (an agent that reconnects may
  // briefly have two).
  std::multimap<std::string, Stream*, std::less<>> by_library_
      ABSL_GUARDED_BY(mu_);
  std::set<Stream*> wanted_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_TASK_STREAM_H_
