// Subscriber: holds the agent's AgentService.SubscribeTasks stream. It runs
// on its own thread: subscribes after the cursor the task cache stored,
// hands every event to on_event (which stores it with its cursor), and
// when the stream breaks, waits a Backoff delay and subscribes again from
// the stored cursor, so no event is missed; one seen twice is ignored by
// the cache. A stream is renewed every `stream_timeout` (its deadline)
// without waiting. Thread-safe.
#ifndef SILANG_SERVICES_AGENT_SUBSCRIBER_H_
#define SILANG_SERVICES_AGENT_SUBSCRIBER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/agent/backoff.h"
#include "services/agent/grpc_core_link.h"
#include "services/agent/uplink.h"

namespace silang::agent {

class Subscriber {
 public:
  using OnEvent =
      std::function<absl::Status(const v1::SubscribeTasksResponse& event)>;

  // Borrows link and last_error. `cursor` returns the last stored cursor.
  Subscriber(GrpcCoreLink& link, std::string library,
             std::function<uint64_t()> cursor, OnEvent on_event,
             BackoffOptions backoff, uint64_t seed,
             absl::Duration stream_timeout, LastError& last_error);
  ~Subscriber() { Stop(); }

  void Start();
  // Cancels the stream and joins the thread; idempotent.
  void Stop();
  bool connected() const;

 private:
  void Loop();
  // One subscription, until it ends; true if the core accepted it.
  bool RunOnce(absl::Status& ended);

  GrpcCoreLink& link_;
  const std::string library_;
  const std::function<uint64_t()> cursor_;
  const OnEvent on_event_;
  Backoff backoff_;  // the subscriber thread's
  const absl::Duration stream_timeout_;
  LastError& last_error_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_SUBSCRIBER_H_
