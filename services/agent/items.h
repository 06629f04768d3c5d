// ItemTable: the library's own items and whether each is on the shelf, as
// the agent knows them, and the queue of changes still to push to the
// core's holdings (cf "pushes").
//
// Put() (one item changed) and Replace() (a full export) each write the
// items, their ISBN index and a push record in one batch; the Pusher
// sends the queue in order and deletes what the core took. Thread-safe;
// writes are serialized.
#ifndef SILANG_SERVICES_AGENT_ITEMS_H_
#define SILANG_SERVICES_AGENT_ITEMS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "services/agent/agent_store.h"
#include "silang/agentdb/v1/records.pb.h"
#include "silang/v1/directory.pb.h"

namespace silang::agent {

using agentdb::v1::ItemRecord;
using agentdb::v1::PushRecord;

// A queued push, with its key in cf "pushes".
struct QueuedPush {
  uint64_t seq = 0;
  PushRecord push;
};

class ItemTable {
 public:
  static absl::StatusOr<std::unique_ptr<ItemTable>> Open(AgentStore& store,
                                                         const Clock& clock);

  // Upserts one item and queues its push. The ISBN is normalized to 13
  // digits (InvalidArgument if it is not one); an existing item keeps its
  // ISBN and call number where these are empty.
  absl::StatusOr<ItemRecord> Put(ItemRecord item);
  // Makes `items` the whole table and queues a full resync.
  absl::Status Replace(std::vector<ItemRecord> items);

  // True if some item of this ISBN-13 is on the shelf.
  absl::StatusOr<bool> OnShelf(const std::string& isbn13) const;
  absl::StatusOr<std::optional<ItemRecord>> Get(
      const std::string& item_id) const;
  // Every item, by item id.
  absl::StatusOr<std::vector<ItemRecord>> All() const;

  // The oldest queued pushes, at most max.
  absl::StatusOr<std::vector<QueuedPush>> Queued(int max) const;
  // Removes pushes the core has taken.
  absl::Status Done(const std::vector<QueuedPush>& pushes);
  int queued() const;

  // Called after a push is queued, to wake the pusher. Set once.
  void SetListener(std::function<void()> listener) {
    listener_ = std::move(listener);
  }

 private:
  ItemTable(AgentStore& store, const Clock& clock, uint64_t last_push,
            int queued)
      : store_(store), clock_(clock), last_push_(last_push), queued_(queued) {}
  // Adds the item and its index entry; removes the old index entry.
  void Stage(AgentBatch& batch, const std::optional<ItemRecord>& old,
             const ItemRecord& item) const;
  void StagePush(AgentBatch& batch, PushRecord push)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  AgentStore& store_;
  const Clock& clock_;
  mutable absl::Mutex mu_;  // serializes writes
  uint64_t last_push_ ABSL_GUARDED_BY(mu_);
  int queued_ ABSL_GUARDED_BY(mu_);
  std::function<void()> listener_;
};

// A holding for the core from a local item.
v1::Holding HoldingOf(const std::string& library_id, const ItemRecord& item);

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_ITEMS_H_
