// Agent: one member library's silang-agent, wired together over its data
// directory: the task cache fed by the Subscriber, the outbox drained by
// the Sender, the item table drained by the Pusher, and the optional
// auto-responder. The local staff service (local_service.h) calls the
// methods below; none of them waits for the core.
//
// A data directory belongs to one library: Open refuses another. Thread-
// safe after Open.
#ifndef SILANG_SERVICES_AGENT_AGENT_H_
#define SILANG_SERVICES_AGENT_AGENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "services/agent/agent_store.h"
#include "services/agent/backoff.h"
#include "services/agent/grpc_core_link.h"
#include "services/agent/items.h"
#include "services/agent/outbox.h"
#include "services/agent/subscriber.h"
#include "services/agent/task_cache.h"
#include "services/agent/uplink.h"
#include "services/agent/worker.h"
#include "silang/v1/agent_local.pb.h"

namespace silang::agent {

struct AgentOptions {
  std::string library_id;
  std::string data_dir;
  CoreOptions core;
  bool auto_respond = false;
  BackoffOptions backoff;
  uint64_t seed = 1;  // for the backoff jitter
  absl::Duration stream_timeout = absl::Minutes(5);
};

class Agent {
 public:
  // Opens (creating) the data directory; starts nothing.
  static absl::StatusOr<std::unique_ptr<Agent>> Open(AgentOptions options,
                                                     const Clock& clock);
  ~Agent() { Stop(); }

  // Starts the subscriber, sender and pusher threads.
  void Start();
  // Stops them (cancelling the stream); idempotent.
  void Stop();

  absl::StatusOr<v1::ListLocalTasksResponse> ListTasks(
      bool include_closed) const;
  // Checks the action, fills in the version, writes it to the outbox.
  absl::StatusOr<v1::OutboxEntry> Record(const v1::RecordActionRequest& action);
  absl::StatusOr<std::vector<v1::OutboxEntry>> ListOutbox(
      bool include_delivered) const;
  absl::StatusOr<v1::OutboxEntry> Discard(uint64_t seq);
  absl::StatusOr<v1::Holding> PutAvailability(
      const v1::PutAvailabilityRequest& change);
  // Parses the CSV export and replaces the item table; returns the count.
  absl::StatusOr<int> Resync(const std::string& csv);
  v1::GetAgentStatusResponse Status() const;

  // Stores one task event, answering it first if the auto-responder does.
  absl::Status OnEvent(const v1::SubscribeTasksResponse& event);

 private:
  Agent(AgentOptions options, const Clock& clock)
      : options_(std::move(options)), clock_(clock) {}
  absl::Status Init();
  absl::StatusOr<std::string> InstanceId();

  const AgentOptions options_;
  const Clock& clock_;
  std::unique_ptr<AgentStore> store_;
  std::unique_ptr<TaskCache> cache_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ItemTable> items_;
  std::unique_ptr<GrpcCoreLink> link_;
  LastError last_error_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<Pusher> pusher_;
  std::unique_ptr<Worker> send_worker_;
  std::unique_ptr<Worker> push_worker_;
  std::unique_ptr<Subscriber> subscriber_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_AGENT_H_
