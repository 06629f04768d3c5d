#include "services/agent/uplink.h"

#include <set>

#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace silang::agent {
namespace {

using google::protobuf::util::TimeUtil;

v1::ActRequest ActFor(const Delivery& d, const std::string& library) {
  const OutboxRecord& e = d.entry;
  v1::ActRequest req;
  req.set_request_id(e.request_id());
  req.set_expected_version(d.version);
  req.set_actor_library_id(library);
  req.set_action(e.action());
  req.set_reason(e.reason());
  req.set_note(e.note());
  req.set_tracking_ref(e.tracking_ref());
  if (e.due_date_us() != 0) {
    *req.mutable_due_date() =
        TimeUtil::MicrosecondsToTimestamp(e.due_date_us());
  }
  req.set_idempotency_key(e.idempotency_key());
  return req;
}

// A push the core refused because of the item itself; anything else
// (permissions, an unknown library, an outage) is retried.
bool IsItemFault(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kOutOfRange;
}

}  // namespace

StepResult Sender::Step() {
  auto next = outbox_.Next();
  if (!next.ok()) {
    spdlog::error("outbox: {}", next.status().ToString());
    last_error_.Set(next.status());
    return StepResult::kRetry;
  }
  if (!next->has_value()) return StepResult::kIdle;
  const Delivery& d = **next;
  const uint64_t seq = d.entry.seq();
  auto reply = link_.Act(ActFor(d, library_));
  if (reply.ok()) {
    if (absl::Status s = cache_.ApplyReply(*reply); !s.ok()) {
      spdlog::warn("task cache: {}", s.ToString());  // the stream repairs it
    }
    if (absl::Status s = outbox_.MarkDelivered(seq, *reply); !s.ok()) {
      // Sent again later under the same key: the core will not act twice.
      spdlog::error("outbox entry {}: {}", seq, s.ToString());
      last_error_.Set(s);
      return StepResult::kRetry;
    }
    return StepResult::kProgress;
  }
  if (IsTransient(reply.status())) {
    outbox_.NoteAttempt(seq, reply.status());
    last_error_.Set(reply.status());
    spdlog::debug("outbox entry {}: {}; will retry", seq,
                  reply.status().ToString());
    return StepResult::kRetry;
  }
  spdlog::warn("outbox entry {} ({} {}) rejected: {}", seq,
               v1::Action_Name(d.entry.action()), d.entry.request_id(),
               reply.status().ToString());
  if (absl::Status s = outbox_.MarkRejected(seq, reply.status()); !s.ok()) {
    spdlog::error("outbox entry {}: {}", seq, s.ToString());
    last_error_.Set(s);
    return StepResult::kRetry;
  }
  return StepResult::kProgress;
}

StepResult Pusher::Step() {
  auto queued = items_.Queued(batch_);
  if (!queued.ok()) {
    last_error_.Set(queued.status());
    return StepResult::kRetry;
  }
  if (queued->empty()) {
    batch_ = kUpsertBatch;
    return StepResult::kIdle;
  }
  if (queued->front().push.resync()) return Resync(queued->front());
  std::vector<QueuedPush> pushes;
  v1::PutHoldingsRequest req;
  req.set_library_id(library_);
  std::set<std::string> seen;
  for (QueuedPush& q : *queued) {
    if (q.push.resync()) break;  // sent on its own, next step
    if (seen.insert(q.push.item_id()).second) {
      auto item = items_.Get(q.push.item_id());
      if (!item.ok()) {
        last_error_.Set(item.status());
        return StepResult::kRetry;
      }
      // An item replaced away by a resync is covered by that resync.
      if (*item) *req.add_holdings() = HoldingOf(library_, **item);
    }
    pushes.push_back(std::move(q));
  }
  if (req.holdings_size() > 0) {
    if (absl::Status s = link_.PutHoldings(req); !s.ok()) {
      return Failed(s, pushes);
    }
  }
  if (absl::Status s = items_.Done(pushes); !s.ok()) {
    last_error_.Set(s);
    return StepResult::kRetry;
  }
  return StepResult::kProgress;
}

StepResult Pusher::Resync(const QueuedPush& push) {
  auto all = items_.All();
  if (!all.ok()) {
    last_error_.Set(all.status());
    return StepResult::kRetry;
  }
  // The first call replaces the library's holdings, even with no items.
  size_t i = 0;
  do {
    v1::PutHoldingsRequest req;
    req.set_library_id(library_);
    req.set_replace_all(i == 0);
    for (size_t end = std::min(all->size(), i + kResyncChunk); i < end; ++i) {
      *req.add_holdings() = HoldingOf(library_, (*all)[i]);
    }
    if (absl::Status s = link_.PutHoldings(req); !s.ok()) {
      return Failed(s, {push});  // a retry starts over: it is idempotent
    }
  } while (i < all->size());
  if (absl::Status s = items_.Done({push}); !s.ok()) {
    last_error_.Set(s);
    return StepResult::kRetry;
  }
  spdlog::info("availability resync: {} items sent", all->size());
  return StepResult::kProgress;
}

StepResult Pusher::Failed(const absl::Status& status,
                          const std::vector<QueuedPush>& pushes) {
  last_error_.Set(status);
  if (!IsItemFault(status)) return StepResult::kRetry;
  if (pushes.size() > 1 && batch_ > 1) {
    batch_ = 1;  // find the bad item: one at a time until the queue is empty
    return StepResult::kProgress;
  }
  spdlog::warn("availability push refused, dropped: {}", status.ToString());
  if (absl::Status s = items_.Done(pushes); !s.ok()) return StepResult::kRetry;
  dropped_ += static_cast<int64_t>(pushes.size());
  return StepResult::kProgress;
}

}  // namespace silang::agent
