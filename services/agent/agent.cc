#include "services/agent/agent.h"

#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/requests.h"
#include "engine/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/agent/auto_respond.h"
#include "silang/agentdb/v1/records.pb.h"
#include "spdlog/spdlog.h"
#include "tools/silangctl/holdings_csv.h"

namespace silang::agent {
namespace {

constexpr char kMetaKey[] = "agent";

// Actions only the core itself takes.
bool IsSystemAction(v1::Action action) {
  return action == v1::ACTION_UNSPECIFIED || action == v1::ACTION_SUBMIT ||
         action == v1::ACTION_ROUTE || action == v1::ACTION_TIMEOUT ||
         action == v1::ACTION_MARK_OVERDUE;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Agent>> Agent::Open(AgentOptions options,
                                                   const Clock& clock) {
  std::unique_ptr<Agent> agent(new Agent(std::move(options), clock));
  RETURN_IF_ERROR(agent->Init());
  return agent;
}

absl::StatusOr<std::string> Agent::InstanceId() {
  using agentdb::v1::AgentMetaRecord;
  ASSIGN_OR_RETURN(auto meta,
                   store_->GetProto<AgentMetaRecord>(Acf::kMeta, kMetaKey));
  if (meta) {
    if (meta->library_id() != options_.library_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", options_.data_dir, " belongs to library ",
          meta->library_id(), ", not ", options_.library_id));
    }
    return meta->instance_id();
  }
  AgentMetaRecord fresh;
  std::random_device entropy;  // once per data directory, never in tests' way
  fresh.set_instance_id(absl::StrFormat("%08x%08x", entropy(), entropy()));
  fresh.set_library_id(options_.library_id);
  AgentBatch batch(*store_);
  batch.Put(Acf::kMeta, kMetaKey, fresh);
  RETURN_IF_ERROR(store_->Write(batch));
  return fresh.instance_id();
}

absl::Status Agent::Init() {
  ASSIGN_OR_RETURN(store_, AgentStore::Open(options_.data_dir));
  ASSIGN_OR_RETURN(const std::string instance, InstanceId());
  ASSIGN_OR_RETURN(cache_, TaskCache::Open(*store_, options_.library_id));
  ASSIGN_OR_RETURN(
      outbox_, Outbox::Open(*store_, clock_, absl::StrCat("agent-", instance)));
  ASSIGN_OR_RETURN(items_, ItemTable::Open(*store_, clock_));
  ASSIGN_OR_RETURN(link_, GrpcCoreLink::Create(options_.core));
  const std::string& lib = options_.library_id;
  sender_ =
      std::make_unique<Sender>(*link_, *outbox_, *cache_, lib, last_error_);
  pusher_ = std::make_unique<Pusher>(*link_, *items_, lib, last_error_);
  send_worker_ = std::make_unique<Worker>([this] { return sender_->Step(); },
                                          options_.backoff, options_.seed);
  push_worker_ = std::make_unique<Worker>([this] { return pusher_->Step(); },
                                          options_.backoff, options_.seed + 1);
  subscriber_ = std::make_unique<Subscriber>(
      *link_, lib, [this] { return cache_->cursor(); },
      [this](const v1::SubscribeTasksResponse& e) { return OnEvent(e); },
      options_.backoff, options_.seed + 2, options_.stream_timeout,
      last_error_);
  outbox_->SetListener([this] { send_worker_->Poke(); });
  items_->SetListener([this] { push_worker_->Poke(); });
  return absl::OkStatus();
}

void Agent::Start() {
  send_worker_->Start();
  push_worker_->Start();
  subscriber_->Start();
}

void Agent::Stop() {
  if (subscriber_) subscriber_->Stop();
  if (send_worker_) send_worker_->Stop();
  if (push_worker_) push_worker_->Stop();
}

absl::Status Agent::OnEvent(const v1::SubscribeTasksResponse& event) {
  auto applied = cache_->Apply(
      event, [this](AgentBatch& batch, const CachedTaskRecord* fresh) {
        if (fresh == nullptr || !options_.auto_respond ||
            !WantsAutoAnswer(fresh->task())) {
          return store_->Write(batch);
        }
        const v1::Task& task = fresh->task();
        auto on_shelf = items_->OnShelf(task.request().title().isbn());
        if (!on_shelf.ok()) return on_shelf.status();
        // The answer commits with the task: a crash cannot lose or repeat it.
        auto entry = outbox_->Record(AutoAnswer(task, *on_shelf),
                                     /*automatic=*/true, &batch);
        if (entry.ok()) {
          spdlog::info("auto-responder: {} {}", entry->request_id(),
                       v1::Action_Name(entry->action()));
        }
        return entry.status();
      });
  return applied.status();
}

absl::StatusOr<v1::ListLocalTasksResponse> Agent::ListTasks(
    bool include_closed) const {
  ASSIGN_OR_RETURN(auto tasks, cache_->List(include_closed));
  v1::ListLocalTasksResponse out;
  for (CachedTaskRecord& t : tasks) {
    v1::LocalTask* local = out.add_tasks();
    *local->mutable_task() = std::move(*t.mutable_task());
    local->set_open(t.open());
    local->set_cursor(t.cursor());
  }
  return out;
}

absl::StatusOr<v1::OutboxEntry> Agent::Record(
    const v1::RecordActionRequest& action) {
  if (!ParseRequestId(action.request_id()).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id: \"", action.request_id(), "\" is not like r-42"));
  }
  if (IsSystemAction(action.action())) {
    return absl::InvalidArgumentError(
        absl::StrCat("action: ", v1::Action_Name(action.action()),
                     " is not a library's action"));
  }
  if ((action.action() == v1::ACTION_UNFILLED ||
       action.action() == v1::ACTION_RETRY_POSSIBLE) &&
      action.reason() == v1::REASON_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reason: required for ", v1::Action_Name(action.action())));
  }
  auto cached_version = [&]() -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(auto cached, cache_->Get(action.request_id()));
    return cached ? cached->task().request().version() : 0;
  };
  ASSIGN_OR_RETURN(OutboxRecord e,
                   outbox_->Record(action, /*automatic=*/false,
                                   /*extra=*/nullptr, cached_version));
  return outbox_->Get(e.seq());
}

absl::StatusOr<std::vector<v1::OutboxEntry>> Agent::ListOutbox(
    bool include_delivered) const {
  return outbox_->List(include_delivered);
}

absl::StatusOr<v1::OutboxEntry> Agent::Discard(uint64_t seq) {
  ASSIGN_OR_RETURN(OutboxRecord e, outbox_->Discard(seq));
  return outbox_->Get(e.seq());
}

absl::StatusOr<v1::Holding> Agent::PutAvailability(
    const v1::PutAvailabilityRequest& change) {
  ItemRecord item;
  item.set_isbn(change.isbn());
  item.set_item_id(change.item_id());
  item.set_availability(change.availability());
  item.set_call_number(change.call_number());
  if (change.has_available_from()) {
    item.set_available_from_us(
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(
            change.available_from()));
  }
  ASSIGN_OR_RETURN(ItemRecord stored, items_->Put(std::move(item)));
  return HoldingOf(options_.library_id, stored);
}

absl::StatusOr<int> Agent::Resync(const std::string& csv) {
  std::istringstream in(csv);
  ASSIGN_OR_RETURN(auto holdings, ctl::ReadHoldingsCsv(in, "export"));
  std::vector<ItemRecord> items;
  items.reserve(holdings.size());
  for (const v1::Holding& h : holdings) {
    ItemRecord& item = items.emplace_back();
    item.set_isbn(h.title().isbn());
    item.set_item_id(h.item_id());
    item.set_availability(h.availability());
    item.set_call_number(h.call_number());
  }
  RETURN_IF_ERROR(items_->Replace(std::move(items)));
  return static_cast<int>(holdings.size());
}

v1::GetAgentStatusResponse Agent::Status() const {
  v1::GetAgentStatusResponse s;
  s.set_library_id(options_.library_id);
  s.set_core(options_.core.address);
  s.set_connected(subscriber_->connected());
  s.set_cursor(cache_->cursor());
  if (auto open = cache_->List(false); open.ok()) {
    s.set_tasks(static_cast<int>(open->size()));
  }
  const Outbox::Counts counts = outbox_->counts();
  s.set_pending(counts.pending);
  s.set_rejected(counts.rejected);
  s.set_delivered(counts.delivered);
  s.set_availability_pending(items_->queued());
  s.set_availability_dropped(pusher_->dropped());
  s.set_last_error(last_error_.Get());
  return s;
}

}  // namespace silang::agent
