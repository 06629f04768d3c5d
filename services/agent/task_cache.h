// TaskCache: the agent's copy of its library's tasks, fed by the core's
// task stream and by the replies to its own actions, so staff see their
// work while the core is unreachable.
//
// One record per request, the highest version seen wins: an event or reply
// with a version at or below the cached one changes nothing (the stream
// may repeat an event after a reconnect, and two events may carry the same
// snapshot). The stream's cursor is stored in the same batch as the task,
// so after a crash the agent resumes exactly after the last event it kept.
// Thread-safe; writes are serialized.
#ifndef SILANG_SERVICES_AGENT_TASK_CACHE_H_
#define SILANG_SERVICES_AGENT_TASK_CACHE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/agent/agent_store.h"
#include "silang/agentdb/v1/records.pb.h"
#include "silang/v1/agent.pb.h"

namespace silang::agent {

using agentdb::v1::CachedTaskRecord;

class TaskCache {
 public:
  // Borrows store; library is whose tasks these are.
  static absl::StatusOr<std::unique_ptr<TaskCache>> Open(AgentStore& store,
                                                         std::string library);

  // Writes `batch`, which holds the cache's changes; it may add its own
  // first (the auto-responder's outbox entry). `fresh` is the task when
  // the event made it newer, else null.
  using Writer = std::function<absl::Status(AgentBatch& batch,
                                            const CachedTaskRecord* fresh)>;

  // Keeps the event's task if it is newer than the cached one, and the
  // event's cursor either way, in one batch written by `write`. Returns
  // true if the task changed.
  absl::StatusOr<bool> Apply(const v1::SubscribeTasksResponse& event,
                             const Writer& write);

  // Updates the request from the core's reply to an action, if newer.
  absl::Status ApplyReply(const v1::Request& request);

  absl::StatusOr<std::optional<CachedTaskRecord>> Get(
      const std::string& request_id) const;
  absl::StatusOr<std::vector<CachedTaskRecord>> List(bool include_closed) const;
  uint64_t cursor() const;

 private:
  TaskCache(AgentStore& store, std::string library, uint64_t cursor)
      : store_(store), library_(std::move(library)), cursor_(cursor) {}
  // Adds rec to batch if it is newer than the cached record; true if so.
  absl::StatusOr<bool> StageIfNewer(AgentBatch& batch,
                                    const CachedTaskRecord& rec) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  AgentStore& store_;
  const std::string library_;
  mutable absl::Mutex mu_;  // serializes writes
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_TASK_CACHE_H_
