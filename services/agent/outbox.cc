#include "services/agent/outbox.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/keys.h"
#include "engine/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace silang::agent {
namespace {

namespace db = agentdb::v1;
using google::protobuf::util::TimeUtil;

std::string SeqKey(uint64_t seq) { return keys::Builder().U64(seq).Take(); }

bool Settled(const OutboxRecord& e) {
  return e.status() == db::OUTBOX_STATUS_DELIVERED ||
         e.status() == db::OUTBOX_STATUS_DISCARDED;
}

google::protobuf::Timestamp At(int64_t us) {
  return TimeUtil::MicrosecondsToTimestamp(us);
}

v1::OutboxState StateOf(const OutboxRecord& e, bool held) {
  switch (e.status()) {
    case db::OUTBOX_STATUS_PENDING:
      return held ? v1::OUTBOX_STATE_HELD : v1::OUTBOX_STATE_PENDING;
    case db::OUTBOX_STATUS_DELIVERED:
      return v1::OUTBOX_STATE_DELIVERED;
    case db::OUTBOX_STATUS_REJECTED:
      return v1::OUTBOX_STATE_REJECTED;
    case db::OUTBOX_STATUS_DISCARDED:
      return v1::OUTBOX_STATE_DISCARDED;
    default:
      return v1::OUTBOX_STATE_UNSPECIFIED;
  }
}

}  // namespace

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnauthenticated:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Open(AgentStore& store,
                                                     const Clock& clock,
                                                     std::string key_prefix) {
  ASSIGN_OR_RETURN(auto last, store.LastKey(Acf::kOutbox));
  uint64_t last_seq = 0;
  if (last) {
    auto seq = keys::Reader(*last).U64();
    if (!seq) return AgentStore::Corrupt(Acf::kOutbox, *last);
    last_seq = *seq;
  }
  std::unique_ptr<Outbox> outbox(
      new Outbox(store, clock, std::move(key_prefix), last_seq));
  RETURN_IF_ERROR(outbox->LoadOpen());
  return outbox;
}

absl::Status Outbox::LoadOpen() {
  absl::MutexLock lock(&mu_);
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Acf::kOutbox, "", "", [&](absl::string_view k, absl::string_view v) {
        OutboxRecord e;
        if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = AgentStore::Corrupt(Acf::kOutbox, k);
          return false;
        }
        if (!Settled(e)) open_[e.seq()] = std::move(e);
        return true;
      }));
  return inner;
}

absl::StatusOr<OutboxRecord> Outbox::Record(
    const v1::RecordActionRequest& action, bool automatic, AgentBatch* extra,
    const VersionSource& version) {
  OutboxRecord e;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (it->second.request_id() == action.request_id()) {
        e.set_after_seq(it->first);
        break;
      }
    }
    e.set_expected_version(action.expected_version());
    if (e.after_seq() == 0 && e.expected_version() == 0 && version) {
      ASSIGN_OR_RETURN(const uint64_t cached, version());
      e.set_expected_version(cached);
    }
    if (e.after_seq() == 0 && e.expected_version() == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "request ", action.request_id(),
          ": its version is unknown here (not in the task cache); give "
          "--expected-version"));
    }
    e.set_seq(last_seq_ + 1);
    e.set_request_id(action.request_id());
    e.set_action(action.action());
    e.set_reason(action.reason());
    e.set_note(action.note());
    e.set_tracking_ref(action.tracking_ref());
    if (action.has_due_date()) {
      e.set_due_date_us(TimeUtil::TimestampToMicroseconds(action.due_date()));
    }
    e.set_idempotency_key(absl::StrCat(key_prefix_, "-", e.seq()));
    e.set_status(db::OUTBOX_STATUS_PENDING);
    e.set_recorded_at_us(clock_.NowMicros());
    e.set_automatic(automatic);
    AgentBatch own(store_);
    AgentBatch& batch = extra != nullptr ? *extra : own;
    batch.Put(Acf::kOutbox, SeqKey(e.seq()), e);
    RETURN_IF_ERROR(store_.Write(batch));
    last_seq_ = e.seq();
    open_[e.seq()] = e;
  }
  if (listener_) listener_();
  return e;
}

absl::StatusOr<OutboxRecord> Outbox::Find(uint64_t seq) const {
  if (auto it = open_.find(seq); it != open_.end()) return it->second;
  ASSIGN_OR_RETURN(auto e,
                   store_.GetProto<OutboxRecord>(Acf::kOutbox, SeqKey(seq)));
  if (!e) {
    return absl::NotFoundError(
        absl::StrCat("outbox entry ", seq, " not found"));
  }
  return *std::move(e);
}

absl::StatusOr<std::optional<uint64_t>> Outbox::VersionFor(
    const OutboxRecord& e) const {
  OutboxRecord current = e;
  while (current.after_seq() != 0) {
    if (open_.count(current.after_seq())) return std::nullopt;
    ASSIGN_OR_RETURN(OutboxRecord before, Find(current.after_seq()));
    if (before.status() == db::OUTBOX_STATUS_DELIVERED) {
      return before.result_version();
    }
    current = std::move(before);  // discarded: the version it would have used
  }
  return current.expected_version();
}

bool Outbox::Held(const OutboxRecord& e) const {
  uint64_t after = e.after_seq();
  while (after != 0) {
    auto it = open_.find(after);
    if (it == open_.end()) return false;
    if (it->second.status() == db::OUTBOX_STATUS_REJECTED) return true;
    after = it->second.after_seq();
  }
  return false;
}

absl::StatusOr<std::optional<Delivery>> Outbox::Next() const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [seq, e] : open_) {
    if (e.status() != db::OUTBOX_STATUS_PENDING) continue;
    ASSIGN_OR_RETURN(std::optional<uint64_t> version, VersionFor(e));
    if (version) return Delivery{e, *version};
  }
  return std::nullopt;
}

absl::Status Outbox::Save(OutboxRecord e) {
  AgentBatch batch(store_);
  batch.Put(Acf::kOutbox, SeqKey(e.seq()), e);
  RETURN_IF_ERROR(store_.Write(batch));
  attempts_.erase(e.seq());
  if (Settled(e)) {
    open_.erase(e.seq());
  } else {
    open_[e.seq()] = std::move(e);
  }
  return absl::OkStatus();
}

absl::StatusOr<OutboxRecord> Outbox::OpenEntry(uint64_t seq) const {
  auto it = open_.find(seq);
  if (it == open_.end()) {
    return absl::NotFoundError(absl::StrCat("outbox entry ", seq, " not open"));
  }
  return it->second;
}

absl::Status Outbox::MarkDelivered(uint64_t seq, const v1::Request& result) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(OutboxRecord e, OpenEntry(seq));
  e.set_status(db::OUTBOX_STATUS_DELIVERED);
  e.set_delivered_at_us(clock_.NowMicros());
  e.set_result_version(result.version());
  e.set_result_state(result.state());
  e.clear_error_code();
  e.clear_error();
  RETURN_IF_ERROR(Save(std::move(e)));
  ++delivered_;
  return absl::OkStatus();
}

absl::Status Outbox::MarkRejected(uint64_t seq, const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(OutboxRecord e, OpenEntry(seq));
  e.set_status(db::OUTBOX_STATUS_REJECTED);
  e.set_error_code(static_cast<int>(why.code()));
  e.set_error(std::string(why.message()));
  return Save(std::move(e));
}

void Outbox::NoteAttempt(uint64_t seq, const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  Attempts& a = attempts_[seq];
  ++a.count;
  a.error = why.ToString();
}

absl::StatusOr<OutboxRecord> Outbox::Discard(uint64_t seq) {
  OutboxRecord e;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(e, Find(seq));
    if (e.status() != db::OUTBOX_STATUS_REJECTED) {
      return absl::FailedPreconditionError(
          absl::StrCat("outbox entry ", seq, " is ",
                       v1::OutboxState_Name(StateOf(e, Held(e))),
                       "; only rejected entries can be discarded"));
    }
    e.set_status(db::OUTBOX_STATUS_DISCARDED);
    RETURN_IF_ERROR(Save(e));
  }
  if (listener_) listener_();
  return e;
}

v1::OutboxEntry Outbox::ToEntry(const OutboxRecord& e) const {
  v1::OutboxEntry out;
  out.set_seq(e.seq());
  out.set_request_id(e.request_id());
  out.set_action(e.action());
  out.set_reason(e.reason());
  out.set_note(e.note());
  out.set_tracking_ref(e.tracking_ref());
  if (e.due_date_us() != 0) *out.mutable_due_date() = At(e.due_date_us());
  out.set_expected_version(e.expected_version());
  out.set_after_seq(e.after_seq());
  out.set_idempotency_key(e.idempotency_key());
  out.set_state(StateOf(e, !Settled(e) && Held(e)));
  *out.mutable_recorded_at() = At(e.recorded_at_us());
  if (e.delivered_at_us() != 0) {
    *out.mutable_delivered_at() = At(e.delivered_at_us());
  }
  out.set_result_version(e.result_version());
  out.set_result_state(e.result_state());
  out.set_automatic(e.automatic());
  if (e.status() == db::OUTBOX_STATUS_REJECTED ||
      e.status() == db::OUTBOX_STATUS_DISCARDED) {
    out.set_error_code(absl::StatusCodeToString(
        static_cast<absl::StatusCode>(e.error_code())));
    out.set_error(e.error());
  }
  if (auto it = attempts_.find(e.seq()); it != attempts_.end()) {
    out.set_attempts(it->second.count);
    if (out.error().empty()) out.set_error(it->second.error);
  }
  return out;
}

absl::StatusOr<v1::OutboxEntry> Outbox::Get(uint64_t seq) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(OutboxRecord e, Find(seq));
  return ToEntry(e);
}

absl::StatusOr<std::vector<v1::OutboxEntry>> Outbox::List(
    bool include_delivered) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<v1::OutboxEntry> out;
  if (!include_delivered) {
    for (const auto& [seq, e] : open_) out.push_back(ToEntry(e));
    return out;
  }
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Acf::kOutbox, "", "", [&](absl::string_view k, absl::string_view v) {
        OutboxRecord e;
        if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = AgentStore::Corrupt(Acf::kOutbox, k);
          return false;
        }
        out.push_back(ToEntry(e));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

Outbox::Counts Outbox::counts() const {
  absl::ReaderMutexLock lock(&mu_);
  Counts c;
  for (const auto& [seq, e] : open_) {
    if (e.status() == db::OUTBOX_STATUS_REJECTED) {
      ++c.rejected;
    } else {
      ++c.pending;
    }
  }
  c.delivered = delivered_;
  return c;
}

}  // namespace silang::agent
