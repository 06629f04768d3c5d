#include "services/agent/task_cache.h"

#include <algorithm>

#include "engine/keys.h"
#include "engine/status_macros.h"
#include "engine/task_view.h"

namespace silang::agent {
namespace {

constexpr char kCursorKey[] = "cursor";

std::string TaskKey(absl::string_view request_id) {
  return keys::Builder().Str(request_id).Take();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskCache>> TaskCache::Open(
    AgentStore& store, std::string library) {
  ASSIGN_OR_RETURN(auto raw, store.Get(Acf::kMeta, kCursorKey));
  uint64_t cursor = 0;
  if (raw) {
    keys::Reader r(*raw);
    auto value = r.U64();
    if (!value || !r.done()) return AgentStore::Corrupt(Acf::kMeta, kCursorKey);
    cursor = *value;
  }
  return std::unique_ptr<TaskCache>(
      new TaskCache(store, std::move(library), cursor));
}

absl::StatusOr<bool> TaskCache::StageIfNewer(
    AgentBatch& batch, const CachedTaskRecord& rec) const {
  const v1::Request& r = rec.task().request();
  if (!keys::ValidPart(r.id()) || r.id().empty()) {
    return absl::InvalidArgumentError("task event without a valid request id");
  }
  const std::string key = TaskKey(r.id());
  ASSIGN_OR_RETURN(auto cached,
                   store_.GetProto<CachedTaskRecord>(Acf::kTasks, key));
  if (cached && cached->task().request().version() >= r.version()) {
    return false;
  }
  batch.Put(Acf::kTasks, key, rec);
  return true;
}

absl::StatusOr<bool> TaskCache::Apply(const v1::SubscribeTasksResponse& event,
                                      const Writer& write) {
  CachedTaskRecord rec;
  *rec.mutable_task() = event.task();
  rec.set_open(event.open());
  rec.set_cursor(event.cursor());
  absl::MutexLock lock(&mu_);
  AgentBatch batch(store_);
  ASSIGN_OR_RETURN(const bool fresh, StageIfNewer(batch, rec));
  const uint64_t cursor = std::max(cursor_, event.cursor());
  batch.Put(Acf::kMeta, kCursorKey, keys::Builder().U64(cursor).Take());
  RETURN_IF_ERROR(write(batch, fresh ? &rec : nullptr));
  cursor_ = cursor;
  return fresh;
}

absl::Status TaskCache::ApplyReply(const v1::Request& request) {
  const TaskView view = TaskViewFor(
      static_cast<State>(request.state()),
      static_cast<ServiceType>(request.service_type()),
      request.borrower_library_id(), request.current_lender_id(), library_);
  CachedTaskRecord rec;
  v1::Task* task = rec.mutable_task();
  *task->mutable_request() = request;
  task->set_role(static_cast<v1::Role>(view.role));
  for (Action a : view.actions) task->add_actions(static_cast<v1::Action>(a));
  rec.set_open(view.role != storage::v1::ROLE_UNSPECIFIED);
  absl::MutexLock lock(&mu_);
  AgentBatch batch(store_);
  ASSIGN_OR_RETURN(const bool fresh, StageIfNewer(batch, rec));
  return fresh ? store_.Write(batch) : absl::OkStatus();
}

absl::StatusOr<std::optional<CachedTaskRecord>> TaskCache::Get(
    const std::string& request_id) const {
  if (!keys::ValidPart(request_id)) return std::nullopt;
  return store_.GetProto<CachedTaskRecord>(Acf::kTasks, TaskKey(request_id));
}

absl::StatusOr<std::vector<CachedTaskRecord>> TaskCache::List(
    bool include_closed) const {
  std::vector<CachedTaskRecord> out;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Acf::kTasks, "", "", [&](absl::string_view k, absl::string_view v) {
        CachedTaskRecord rec;
        if (!rec.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = AgentStore::Corrupt(Acf::kTasks, k);
          return false;
        }
        if (include_closed || rec.open()) out.push_back(std::move(rec));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  // By request number: "r-9" before "r-10".
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const std::string& x = a.task().request().id();
    const std::string& y = b.task().request().id();
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  return out;
}

uint64_t TaskCache::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

}  // namespace silang::agent
