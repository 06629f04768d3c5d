// RequestEngine: the life of interlibrary-loan requests.
//
// Every command (submit, an action, a timer firing) reads the request,
// checks the transition against the table in request_fsm.h, and commits
// exactly one synced WriteBatch holding the request record, its audit
// events, its index entries (by borrower, by lender, open tasks), its
// idempotency entry and its timer. A command that fails writes nothing.
//
// Commands on one request are serialized by a striped mutex; commands on
// different requests run in parallel and share WAL syncs (group commit).
//
// Errors: InvalidArgument (bad field, named), NotFound, AlreadyExists
// (idempotency key reused with another payload), Aborted (stale
// expected_version; the message names the current version and state),
// FailedPrecondition (illegal in the current state, named),
// PermissionDenied (not this library's request or not its side's action),
// DataLoss, Internal.
//
// Thread-safe.
#ifndef SILANG_ENGINE_REQUESTS_H_
#define SILANG_ENGINE_REQUESTS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/page.h"
#include "engine/request_fsm.h"
#include "engine/routing.h"
#include "engine/stats_cache.h"
#include "engine/store.h"
#include "engine/task_feed.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

using storage::v1::AuditRecord;
using storage::v1::Reason;
using storage::v1::RequestRecord;

// "r-42" <-> 42.
std::string FormatRequestId(uint64_t id);
absl::StatusOr<uint64_t> ParseRequestId(absl::string_view text);

struct EngineOptions {
  RoutingWeights weights;
  int default_days_to_respond = 4;  // business days, lender's time zone
  int rush_hours = 24;              // open hours for SERVICE_LEVEL_RUSH
  int default_loan_days = 28;
  // While no holdings are known (ROUTING), try again this often, and give
  // up as UNFILLED (NO_HOLDERS) this long after submission.
  absl::Duration routing_retry = absl::Hours(1);
  absl::Duration routing_give_up = absl::Hours(72);
  // If set, called with the elapsed time of every routing plan (PlanRoute),
  // from the planning thread: it must be thread-safe and quick (silangd:
  // a lock-free metrics histogram).
  std::function<void(absl::Duration)> on_route_planned;
  // What Core::Open opens the store with (its hooks, open-file bound and
  // sizes); Core::Open sets `dir` itself.
  Store::Options store;
};

struct SubmitCommand {
  std::string idempotency_key;
  // Payload: borrower_library_id, pickup_library_id, patron_ref, title_key,
  // bib, service_type, service_level, material_type, note. Other fields are
  // ignored.
  RequestRecord payload;
};

struct SubmitResult {
  RequestRecord request;
  bool created = false;
};

struct ActCommand {
  uint64_t request_id = 0;
  uint64_t expected_version = 0;
  std::string actor_library_id;
  Action action = storage::v1::ACTION_UNSPECIFIED;
  Reason reason = storage::v1::REASON_UNSPECIFIED;
  std::string note;
  std::string tracking_ref;
  int64_t due_date_us = 0;
  std::string idempotency_key;  // optional
  // REREQUEST only: ask again for this service; unspecified keeps it.
  ServiceType service_type = storage::v1::SERVICE_TYPE_UNSPECIFIED;
};

struct ListQuery {
  std::string borrower_library_id;  // at most one of these two; neither:
  std::string lender_library_id;    // every request (admins only)
  std::string partnership_id;       // routed under it; empty: any
  std::vector<State> states;        // empty: any
  int64_t created_after_us = 0;     // 0: unbounded
  int64_t created_before_us = 0;
  int page_size = 0;
  std::string page_token;
};

struct Task {
  RequestRecord request;
  Role role = storage::v1::ROLE_UNSPECIFIED;
  std::vector<Action> actions;
};

// Timer kinds, stored in timer keys. DO NOT CHANGE the numbers.
enum class TimerKind : uint8_t {
  kNone = 0,
  kResponseDeadline = 1,  // SENT_TO_LENDER, WILL_SUPPLY, CANCEL_PENDING
  kDueDate = 2,           // ON_LOAN -> MARK_OVERDUE
  kRoutingRetry = 3,      // ROUTING -> ROUTE
};

class RequestEngine {
 public:
  // Borrows store, directory and clock; they must outlive the engine.
  // Reads only the last request key to continue the id sequence.
  static absl::StatusOr<std::unique_ptr<RequestEngine>> Create(
      Store& store, Directory& directory, const Clock& clock,
      EngineOptions options);

  // Creates a request and, when holdings are known, routes it to its first
  // lender in the same batch.
  absl::StatusOr<SubmitResult> Submit(SubmitCommand command);
  // A lender's or borrower's action.
  absl::StatusOr<RequestRecord> Act(const ActCommand& command);

  // The rota routing would build for this request now: every holder of its
  // title ranked or filtered with reasons. Reads only; Submit, ROUTE and
  // REREQUEST commit what it returns. no_holdings: nobody holds the title.
  struct RoutePlan {
    bool no_holdings = false;
    Rota rota;
  };
  absl::StatusOr<RoutePlan> PlanRoute(const RequestRecord& request) const;
  // The same, leaving out the libraries in `tried`.
  absl::StatusOr<RoutePlan> PlanRoute(const RequestRecord& request,
                                      const std::set<std::string>& tried) const;

  // Loads these libraries' routing counters into the stats cache (one
  // MultiGet for the ones not there yet), so the first routings after a
  // start-up read none from the store. silangd calls it for each chunk of
  // views it warms (Directory::WarmLibraryViews). Safe beside commits: a
  // value a commit may have raced is not kept (engine/stats_cache.h).
  absl::Status WarmLibraryStats(
      const std::vector<std::shared_ptr<const LibraryView>>& libraries) const;

  absl::StatusOr<RequestRecord> Get(uint64_t id) const;
  absl::StatusOr<Page<RequestRecord>> List(const ListQuery& query) const;
  // Open requests on which the library can act now, as either side.
  absl::StatusOr<Page<Task>> Tasks(absl::string_view library_id, int page_size,
                                   absl::string_view page_token) const;
  // Every audit event of the request, oldest first.
  absl::StatusOr<std::vector<AuditRecord>> AuditTrail(uint64_t id) const;

  // Fires timers due at or before now, at most `max` of them. Stale timers
  // are dropped. A timer whose action fails is counted and left in place
  // for the next sweep; it does not hold up the timers behind it.
  struct TimerSweep {
    int seen = 0;    // due timers looked at
    int fired = 0;   // that changed a request
    int failed = 0;
    absl::Status first_error;
  };
  absl::StatusOr<TimerSweep> RunDueTimers(int max = 1000);

  const EngineOptions& options() const { return options_; }
  const Store& store() const { return store_; }
  // Each library's ordered task changes, for subscribing agents.
  TaskFeed& feed() { return *feed_; }

 private:
  RequestEngine(Store& store, Directory& directory, const Clock& clock,
                EngineOptions options, uint64_t next_id,
                std::unique_ptr<TaskFeed> feed);

  struct Change;
  absl::Status Route(Change& change);
  absl::Status Advance(Change& change);
  absl::Status ArmDeadline(RequestRecord& r, absl::string_view lender_id);
  absl::Status Commit(Change& change, Batch& batch);
  absl::StatusOr<RequestRecord> ActLocked(const ActCommand& command,
                                          Role role_override);
  absl::StatusOr<RequestRecord> Load(uint64_t id) const;
  absl::Mutex& StripeFor(uint64_t id) const;
  absl::Mutex& KeyStripeFor(absl::string_view library, absl::string_view key)
      const;
  int64_t LoanPeriodDays(const RequestRecord& r) const;

  Store& store_;
  Directory& directory_;
  const Clock& clock_;
  const EngineOptions options_;
  std::atomic<uint64_t> next_id_;
  std::unique_ptr<TaskFeed> feed_;
  LibraryStatsCache stats_;
  mutable std::array<absl::Mutex, 256> stripes_;
  mutable std::array<absl::Mutex, 64> key_stripes_;
  absl::Mutex timer_mu_;  // one timer sweep at a time
};

}  // namespace silang

#endif  // SILANG_ENGINE_REQUESTS_H_
