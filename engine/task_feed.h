// TaskFeed: the order in which requests changed for each library, so an
// agent can subscribe to its work and resume from a cursor after a broken
// link, missing nothing.
//
// Every committed command that touches a library's work (as borrower, as
// current lender, or as the lender it just left) writes one feed entry per
// such library, all under one feed sequence number, in the command's own
// batch:  feed  library:str seq:u64 -> FeedRecord,  feed_seqs  seq:u64 -> "".
//
// Sequence numbers are handed out before the batch is written, so two
// concurrent commands can become durable out of order (seq 6 before seq 5).
// A reader that saw 6 and then resumed "after 6" would miss 5. The feed
// therefore publishes a watermark: every seq below it is settled (written or
// abandoned), and readers only read below it. When it moves, the listener
// is told which libraries' feeds now have new entries below it, so a
// server with 180,000 subscribed agents re-reads three feeds per command,
// not 180,000.
//
// Thread-safe.
#ifndef SILANG_ENGINE_TASK_FEED_H_
#define SILANG_ENGINE_TASK_FEED_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

struct FeedEntry {
  uint64_t seq = 0;
  storage::v1::FeedRecord record;
};

class TaskFeed {
 public:
  // Continues after the last sequence number in the store: O(log n).
  static absl::StatusOr<std::unique_ptr<TaskFeed>> Open(Store& store);

  // Reserves the next sequence number for a command about to commit.
  // REQUIRES: Settle(seq, ...) is called once the write succeeded or failed,
  // with the libraries it wrote entries for (none if it failed).
  uint64_t Reserve();
  void Settle(uint64_t seq, std::vector<std::string> libraries);

  // Every seq below this is settled.
  uint64_t Watermark() const;

  // The library's entries with after < seq < Watermark(), oldest first, at
  // most max of them.
  absl::StatusOr<std::vector<FeedEntry>> Read(absl::string_view library,
                                              uint64_t after, int max) const;

  // Called (outside the lock) whenever the watermark moves past settled
  // entries, with the libraries they were for (a library may repeat), e.g.
  // to wake those libraries' streaming subscribers. Set once, before
  // serving.
  using Listener = std::function<void(const std::vector<std::string>&)>;
  void SetListener(Listener listener);

  static void Put(Batch& batch, absl::string_view library, uint64_t seq,
                  const storage::v1::FeedRecord& record);
  static void PutSeq(Batch& batch, uint64_t seq);

 private:
  TaskFeed(Store& store, uint64_t next) : store_(store), next_(next) {}
  uint64_t WatermarkLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store& store_;
  mutable absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  std::set<uint64_t> in_flight_ ABSL_GUARDED_BY(mu_);
  // Settled at or above the watermark: the libraries each seq wrote for.
  std::map<uint64_t, std::vector<std::string>> settled_ ABSL_GUARDED_BY(mu_);
  Listener listener_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_TASK_FEED_H_
