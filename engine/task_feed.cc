#include "engine/task_feed.h"

#include "engine/keys.h"
#include "engine/status_macros.h"

namespace silang {

absl::StatusOr<std::unique_ptr<TaskFeed>> TaskFeed::Open(Store& store) {
  ASSIGN_OR_RETURN(auto last, store.LastKey(Cf::kFeedSeqs));
  uint64_t next = 1;
  if (last) {
    keys::Reader r(*last);
    auto seq = r.U64();
    if (!seq) return Store::CorruptValue(Cf::kFeedSeqs, *last);
    next = *seq + 1;
  }
  return std::unique_ptr<TaskFeed>(new TaskFeed(store, next));
}

uint64_t TaskFeed::Reserve() {
  absl::MutexLock lock(&mu_);
  uint64_t seq = next_++;
  in_flight_.insert(seq);
  return seq;
}

void TaskFeed::Settle(uint64_t seq, std::vector<std::string> libraries) {
  std::vector<std::string> readable;
  {
    absl::MutexLock lock(&mu_);
    in_flight_.erase(seq);
    if (!libraries.empty()) settled_.emplace(seq, std::move(libraries));
    // Everything settled below the watermark is now readable.
    const uint64_t watermark = WatermarkLocked();
    auto end = settled_.lower_bound(watermark);
    for (auto it = settled_.begin(); it != end; ++it) {
      for (auto& library : it->second) readable.push_back(std::move(library));
    }
    settled_.erase(settled_.begin(), end);
  }
  if (!readable.empty() && listener_) listener_(readable);
}

uint64_t TaskFeed::WatermarkLocked() const {
  return in_flight_.empty() ? next_ : *in_flight_.begin();
}

uint64_t TaskFeed::Watermark() const {
  absl::MutexLock lock(&mu_);
  return WatermarkLocked();
}

void TaskFeed::SetListener(Listener listener) {
  listener_ = std::move(listener);
}

absl::StatusOr<std::vector<FeedEntry>> TaskFeed::Read(
    absl::string_view library, uint64_t after, int max) const {
  const uint64_t watermark = Watermark();
  std::vector<FeedEntry> out;
  absl::Status inner = absl::OkStatus();
  std::string prefix = keys::Builder().Str(library).Take();
  std::string start = keys::Builder().Str(library).U64(after + 1).Take();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kFeed, prefix, start, [&](absl::string_view k, absl::string_view v) {
        keys::Reader r(k);
        r.Str();
        auto seq = r.U64();
        if (!seq) {
          inner = Store::CorruptValue(Cf::kFeed, k);
          return false;
        }
        if (*seq >= watermark || static_cast<int>(out.size()) >= max) {
          return false;
        }
        FeedEntry e;
        e.seq = *seq;
        if (!e.record.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kFeed, k);
          return false;
        }
        out.push_back(std::move(e));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

void TaskFeed::Put(Batch& batch, absl::string_view library, uint64_t seq,
                   const storage::v1::FeedRecord& record) {
  batch.Put(Cf::kFeed, keys::Builder().Str(library).U64(seq).Take(), record);
}

void TaskFeed::PutSeq(Batch& batch, uint64_t seq) {
  batch.Put(Cf::kFeedSeqs, keys::Builder().U64(seq).Take(), "");
}

}  // namespace silang
