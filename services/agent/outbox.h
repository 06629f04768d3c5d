// Outbox: staff actions recorded at the agent, waiting to reach the core.
//
// Record() writes the action to RocksDB (synced) and returns; the Sender
// delivers entries later, in seq order, each with its own idempotency key
// "<instance>-<seq>", so a retry after a lost reply is applied once.
//
// Rules (docs/agent.md):
//  - Order. Entries are delivered one at a time in seq order. An entry is
//    "chained" behind the last undelivered entry on the same request at the
//    time it was recorded (after_seq).
//  - Version. An unchained entry is sent with the version it was recorded
//    with (the task cache's, or the one staff gave). A chained entry is
//    sent with the version its predecessor's delivery returned; behind a
//    discarded predecessor, with the version that one would have used.
//  - Rejection. An answer other than a transient one (UNAVAILABLE,
//    DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, CANCELLED,
//    UNAUTHENTICATED) marks the entry REJECTED with the reason. It stays
//    until staff discard it. Entries chained behind it are HELD; entries on
//    other requests go on.
//
// Pending and rejected entries are kept in memory (loaded at Open);
// delivered and discarded ones only on disk. Thread-safe.
#ifndef SILANG_SERVICES_AGENT_OUTBOX_H_
#define SILANG_SERVICES_AGENT_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "services/agent/agent_store.h"
#include "silang/agentdb/v1/records.pb.h"
#include "silang/v1/agent_local.pb.h"

namespace silang::agent {

using agentdb::v1::OutboxRecord;

// True for failures worth retrying: the core did not judge the action.
bool IsTransient(const absl::Status& status);

// What the sender should send next.
struct Delivery {
  OutboxRecord entry;
  uint64_t version = 0;  // expected_version to send (see the rules)
};

class Outbox {
 public:
  // Borrows store and clock. key_prefix starts every idempotency key.
  static absl::StatusOr<std::unique_ptr<Outbox>> Open(AgentStore& store,
                                                      const Clock& clock,
                                                      std::string key_prefix);

  // The version an unchained action is sent with when it names none: the
  // task cache's. Called under the outbox lock, so it cannot miss the reply
  // to an entry delivered just before (the sender updates the cache before
  // it marks the entry delivered).
  using VersionSource = std::function<absl::StatusOr<uint64_t>()>;

  // Appends an action; `extra`, if given, is written in the same batch.
  // FailedPrecondition if the action is unchained and no version is known
  // (from the action or from `version`, which returns 0 for none).
  absl::StatusOr<OutboxRecord> Record(const v1::RecordActionRequest& action,
                                      bool automatic,
                                      AgentBatch* extra = nullptr,
                                      const VersionSource& version = nullptr);

  // The first deliverable entry in seq order; nullopt if none.
  absl::StatusOr<std::optional<Delivery>> Next() const;

  absl::Status MarkDelivered(uint64_t seq, const v1::Request& result);
  absl::Status MarkRejected(uint64_t seq, const absl::Status& why);
  // A transient failure: counted and shown, not stored.
  void NoteAttempt(uint64_t seq, const absl::Status& why);
  // REJECTED -> DISCARDED; FailedPrecondition for any other state.
  absl::StatusOr<OutboxRecord> Discard(uint64_t seq);

  // One entry as staff see it (held, attempts).
  absl::StatusOr<v1::OutboxEntry> Get(uint64_t seq) const;
  // In seq order; delivered and discarded ones only if asked.
  absl::StatusOr<std::vector<v1::OutboxEntry>> List(
      bool include_delivered) const;

  struct Counts {
    int pending = 0;  // held ones included
    int rejected = 0;
    int64_t delivered = 0;  // since Open
  };
  Counts counts() const;

  // Called (outside the lock) after an entry is recorded or discarded, to
  // wake the sender. Set once, before use.
  void SetListener(std::function<void()> listener) {
    listener_ = std::move(listener);
  }

 private:
  Outbox(AgentStore& store, const Clock& clock, std::string key_prefix,
         uint64_t last_seq)
      : store_(store),
        clock_(clock),
        key_prefix_(std::move(key_prefix)),
        last_seq_(last_seq) {}

  absl::Status LoadOpen();
  // The entry with this seq, from memory or disk.
  absl::StatusOr<OutboxRecord> Find(uint64_t seq) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The version to send for e; nullopt while its chain is not ready.
  absl::StatusOr<std::optional<uint64_t>> VersionFor(
      const OutboxRecord& e) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool Held(const OutboxRecord& e) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Writes e and drops it from memory if it is settled.
  absl::Status Save(OutboxRecord e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A copy of open entry seq, to change and Save; NOT_FOUND if not open.
  absl::StatusOr<OutboxRecord> OpenEntry(uint64_t seq) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::OutboxEntry ToEntry(const OutboxRecord& e) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  AgentStore& store_;
  const Clock& clock_;
  const std::string key_prefix_;
  mutable absl::Mutex mu_;
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_);
  int64_t delivered_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, OutboxRecord> open_ ABSL_GUARDED_BY(mu_);
  struct Attempts {
    int count = 0;
    std::string error;
  };
  std::map<uint64_t, Attempts> attempts_ ABSL_GUARDED_BY(mu_);
  std::function<void()> listener_;
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_OUTBOX_H_
