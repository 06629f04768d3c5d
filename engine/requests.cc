#include "engine/requests.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "engine/counters.h"
#include "engine/keys.h"
#include "engine/limits.h"
#include "engine/status_macros.h"
#include "engine/title_key.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace silang {
namespace {

namespace s = storage::v1;

constexpr uint8_t kTaskBorrower = 1;
constexpr uint8_t kTaskLender = 2;

// A stable 64-bit FNV-1a, for telling a retried call from a different one
// under the same idempotency key. Stable across processes and builds.
uint64_t Fnv1a(absl::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t PayloadHash(const google::protobuf::MessageLite& msg) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    msg.SerializeToCodedStream(&coded);
  }
  return Fnv1a(bytes);
}

// Submit and Act keys live in separate namespaces of one library.
enum class IdemKind : uint8_t { kSubmit = 1, kAct = 2 };

std::string IdemKey(absl::string_view library, IdemKind kind,
                    absl::string_view key) {
  return keys::Builder()
      .Str(library)
      .U8(static_cast<uint8_t>(kind))
      .Str(key)
      .Take();
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max) {
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", max, " bytes"));
  }
  if (!keys::ValidPart(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": holds a NUL"));
  }
  return absl::OkStatus();
}

// An opaque reference such as "P-000123" or a hash; names (spaces), e-mail
// addresses (@) and the like are refused so they never reach the core.
absl::Status CheckPatronRef(absl::string_view ref) {
  if (ref.empty()) return absl::InvalidArgumentError("patron_ref: required");
  if (ref.size() > limits::kPatronRefLen) {
    return absl::InvalidArgumentError(absl::StrCat(
        "patron_ref: longer than ", limits::kPatronRefLen, " bytes"));
  }
  for (char c : ref) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.' && c != ':') {
      return absl::InvalidArgumentError(
          "patron_ref: must be an opaque reference of letters, digits and "
          "'.-_:', never a name or contact detail");
    }
  }
  return absl::OkStatus();
}

std::string StateOf(const RequestRecord& r) {
  return std::string(fsm::StateName(r.state()));
}

bool IsSystemAction(Action a) {
  return a == s::ACTION_ROUTE || a == s::ACTION_TIMEOUT ||
         a == s::ACTION_MARK_OVERDUE || a == s::ACTION_SUBMIT;
}

}  // namespace

std::string FormatRequestId(uint64_t id) { return absl::StrCat("r-", id); }

absl::StatusOr<uint64_t> ParseRequestId(absl::string_view text) {
  uint64_t id = 0;
  absl::string_view digits =
      absl::StartsWith(text, "r-") ? text.substr(2) : absl::string_view();
  bool all_digits = !digits.empty() && digits.size() <= 19;
  for (char ch : digits) {
    all_digits = all_digits && absl::ascii_isdigit(static_cast<unsigned char>(ch));
  }
  if (!all_digits || !absl::SimpleAtoi(digits, &id) || id == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id: \"", text.substr(0, 40), "\" is not a request id (r-N)"));
  }
  return id;
}

// One command's work on one request: the record before and after, and the
// audit events it adds.
struct RequestEngine::Change {
  std::optional<RequestRecord> before;  // nullopt for a new request
  RequestRecord after;
  std::vector<AuditRecord> events;
  std::string prev_lender;  // lender before the command, for the tasks index
  std::vector<std::string> new_lenders;  // libraries asked by this command
  int64_t now_us = 0;

  void Event(Action action, Role role, absl::string_view actor, State from,
             State to, Reason reason, absl::string_view note,
             absl::string_view lender) {
    AuditRecord e;
    e.set_request_id(after.id());
    e.set_seq(after.audit_seq() + 1);
    after.set_audit_seq(e.seq());
    e.set_at_us(now_us);
    e.set_actor_library_id(std::string(actor));
    e.set_role(role);
    e.set_action(action);
    e.set_from_state(from);
    e.set_to_state(to);
    e.set_reason(reason);
    e.set_note(std::string(note));
    e.set_lender_id(std::string(lender));
    events.push_back(std::move(e));
  }
};

RequestEngine::RequestEngine(Store& store, Directory& directory,
                             const Clock& clock, EngineOptions options,
                             uint64_t next_id, std::unique_ptr<TaskFeed> feed)
    : store_(store),
      directory_(directory),
      clock_(clock),
      options_(std::move(options)),
      next_id_(next_id),
      feed_(std::move(feed)),
      stats_(store) {}

absl::StatusOr<std::unique_ptr<RequestEngine>> RequestEngine::Create(
    Store& store, Directory& directory, const Clock& clock,
    EngineOptions options) {
  ASSIGN_OR_RETURN(auto last, store.LastKey(Cf::kRequests));
  uint64_t next = 1;
  if (last) {
    keys::Reader r(*last);
    auto id = r.U64();
    if (!id || !r.done()) return Store::CorruptValue(Cf::kRequests, *last);
    next = *id + 1;
  }
  ASSIGN_OR_RETURN(auto feed, TaskFeed::Open(store));
  return std::unique_ptr<RequestEngine>(new RequestEngine(
      store, directory, clock, std::move(options), next, std::move(feed)));
}

absl::Mutex& RequestEngine::StripeFor(uint64_t id) const {
  return stripes_[id % stripes_.size()];
}

absl::Mutex& RequestEngine::KeyStripeFor(absl::string_view library,
                                         absl::string_view key) const {
  size_t h = absl::HashOf(library, key);
  return key_stripes_[h % key_stripes_.size()];
}

absl::StatusOr<RequestRecord> RequestEngine::Load(uint64_t id) const {
  ASSIGN_OR_RETURN(auto r, store_.GetProto<RequestRecord>(
                               Cf::kRequests, keys::RequestKey(id)));
  if (!r) {
    return absl::NotFoundError(
        absl::StrCat("request ", FormatRequestId(id), " not found"));
  }
  return *std::move(r);
}

absl::StatusOr<RequestRecord> RequestEngine::Get(uint64_t id) const {
  return Load(id);
}

// ---------------------------------------------------------------------------
// Routing steps

absl::Status RequestEngine::ArmDeadline(RequestRecord& r,
                                        absl::string_view lender_id) {
  ASSIGN_OR_RETURN(auto view, directory_.LibraryViewOf(lender_id));
  const LibraryRecord& lender = view->record;
  const absl::TimeZone tz = view->zone;
  absl::Time now = clock_.Now();
  absl::Time deadline;
  if (r.service_level() == s::SERVICE_LEVEL_RUSH) {
    deadline = calendar::AddOpenHours(now, options_.rush_hours, lender, tz);
  } else {
    int days = lender.policy().days_to_respond() > 0
                   ? lender.policy().days_to_respond()
                   : options_.default_days_to_respond;
    deadline = calendar::AddBusinessDays(now, days, lender, tz);
  }
  r.set_response_deadline_us(absl::ToUnixMicros(deadline));
  return absl::OkStatus();
}

// Moves the request to the next lender in its rota, or to UNFILLED.
absl::Status RequestEngine::Advance(Change& c) {
  RequestRecord& r = c.after;
  const State from = r.state();
  int pos = r.rota_position() + 1;
  if (pos >= r.rota_size() && r.unlisted_ranked() > 0) {
    // The window is used up but more lenders were eligible: plan the next
    // window over the holders not asked yet, appended to the rota.
    std::set<std::string> tried;
    for (const auto& e : r.rota()) tried.insert(e.library_id());
    ASSIGN_OR_RETURN(RoutePlan next, PlanRoute(r, tried));
    for (auto& e : next.rota.ranked) {
      e.set_rank(r.rota_size() + 1);
      *r.add_rota() = std::move(e);
    }
    r.set_unlisted_ranked(next.rota.unlisted_ranked);
  }
  if (pos < r.rota_size()) {
    const std::string lender = r.rota(pos).library_id();
    r.set_rota_position(pos);
    r.set_current_lender_id(lender);
    r.set_state(s::STATE_SENT_TO_LENDER);
    r.set_sent_at_us(c.now_us);
    RETURN_IF_ERROR(ArmDeadline(r, lender));
    c.new_lenders.push_back(lender);
    c.Event(s::ACTION_ROUTE, s::ROLE_SYSTEM, "", from, s::STATE_SENT_TO_LENDER,
            s::REASON_UNSPECIFIED,
            absl::StrCat("rank ", r.rota(pos).rank(), " of ", r.rota_size(),
                         ": ", ExplainRanked(r.rota(pos))),
            lender);
    return absl::OkStatus();
  }
  r.set_rota_position(r.rota_size());
  r.set_current_lender_id("");
  r.set_response_deadline_us(0);
  r.set_state(s::STATE_UNFILLED);
  Reason why = r.rota_size() == 0 ? s::REASON_NO_HOLDERS
                                  : s::REASON_ROTA_EXHAUSTED;
  r.set_last_reason(why);
  c.Event(s::ACTION_ROUTE, s::ROLE_SYSTEM, "", from, s::STATE_UNFILLED, why,
          r.rota_size() == 0
              ? absl::StrCat("no eligible holder; ", r.filtered_size(),
                             " holders filtered out")
              : absl::StrCat("all ", r.rota_size(), " lenders tried"),
          "");
  return absl::OkStatus();
}

absl::StatusOr<RequestEngine::RoutePlan> RequestEngine::PlanRoute(
    const RequestRecord& r) const {
  return PlanRoute(r, {});
}

absl::StatusOr<RequestEngine::RoutePlan> RequestEngine::PlanRoute(
    const RequestRecord& r, const std::set<std::string>& tried) const {
  const auto started = std::chrono::steady_clock::now();
  absl::Cleanup observe = [&] {
    if (options_.on_route_planned) {
      options_.on_route_planned(
          absl::FromChrono(std::chrono::steady_clock::now() - started));
    }
  };
  RoutePlan plan;
  ASSIGN_OR_RETURN(auto holders, directory_.TitleHoldersOf(r.title_key()));
  if (holders->empty()) {
    plan.no_holdings = true;
    return plan;
  }
  ASSIGN_OR_RETURN(auto borrower,
                   directory_.LibraryViewOf(r.borrower_library_id()));
  auto pickup = borrower;
  if (!r.pickup_library_id().empty() &&
      r.pickup_library_id() != r.borrower_library_id()) {
    ASSIGN_OR_RETURN(pickup, directory_.LibraryViewOf(r.pickup_library_id()));
  }
  RoutingInput in;
  in.request = &r;
  in.borrower = borrower.get();
  in.pickup = pickup.get();
  in.now = clock_.Now();
  in.tried = tried;
  for (const auto& pid : borrower->partnership_ids) {
    ASSIGN_OR_RETURN(auto p, directory_.PartnershipViewOf(pid));
    in.partnerships.push_back(std::move(p));
  }
  // Views the cached holders list kept but the directory has replaced
  // since (a library or partnership edit): read afresh, held here.
  std::vector<std::shared_ptr<const LibraryView>> fresh;
  auto current = [&](const LibraryView*& view) -> absl::Status {
    if (!view->superseded()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto now, directory_.LibraryViewOf(view->id()));
    view = now.get();
    fresh.push_back(std::move(now));
    return absl::OkStatus();
  };
  std::vector<LibraryStatsCache::Key> keys;
  const bool sort_out = WorthSortingOutOutsiders(in.partnerships);
  if (!sort_out) {  // every holder is examined in full
    in.holders.reserve(holders->size());
    keys.reserve(holders->size());
  }
  for (const TitleHolder& th : *holders) {
    const LibraryView* view = th.library.get();
    // Most holders of a popular title share no partnership with a given
    // borrower: neither their views nor their counters are read
    // (routing.h, outsiders). Membership is the partnerships' own, so a
    // superseded view does not change the answer.
    if (sort_out && !SharesPartnership(in.partnerships, th.number)) {
      in.outsiders.push_back(view);
      continue;
    }
    RETURN_IF_ERROR(current(view));
    Holder& holder = in.holders.emplace_back();
    holder.library = view;
    holder.availability = th.best;
    keys.push_back({view->number, view->id()});
  }
  // Only the outsiders routing lists are read (BuildRota).
  const size_t listed =
      std::min(in.outsiders.size(), options_.weights.filtered_listed());
  for (size_t i = 0; i < listed; ++i) RETURN_IF_ERROR(current(in.outsiders[i]));
  std::vector<LibraryStats> stats;
  RETURN_IF_ERROR(stats_.Lookup(keys, stats));
  for (size_t i = 0; i < stats.size(); ++i) {
    const LibraryStats& st = stats[i];
    Holder& holder = in.holders[i];
    holder.loans_out = st.loans_out;
    holder.open_queue = st.open_queue;
    holder.lent_total = st.lent_total;
    holder.borrowed_total = st.borrowed_total;
    holder.requests_received = st.requests_received;
    holder.filled = st.filled;
    if (st.first_answer_count > 0) {
      holder.mean_first_answer_hours =
          static_cast<double>(st.first_answer_us_sum) / st.first_answer_count /
          3.6e9;
    }
  }
  plan.rota = BuildRota(in, options_.weights);
  return plan;
}

absl::Status RequestEngine::WarmLibraryStats(
    const std::vector<std::shared_ptr<const LibraryView>>& libraries) const {
  std::vector<LibraryStatsCache::Key> keys;
  keys.reserve(libraries.size());
  for (const auto& lib : libraries) {
    if (lib != nullptr) keys.push_back({lib->number, lib->id()});
  }
  std::vector<LibraryStats> ignored;
  return stats_.Lookup(keys, ignored);
}

// Sends the request to the first lender of a new rota over every holder.
// With no holdings known it waits in ROUTING, until routing_give_up.
absl::Status RequestEngine::Route(Change& c) {
  RequestRecord& r = c.after;
  const State from = r.state();
  ASSIGN_OR_RETURN(RoutePlan plan, PlanRoute(r));
  if (plan.no_holdings) {
    absl::Time created = absl::FromUnixMicros(r.created_at_us());
    if (clock_.Now() - created >= options_.routing_give_up) {
      r.set_rota_position(-1);
      return Advance(c);  // to UNFILLED, NO_HOLDERS
    }
    r.set_state(s::STATE_ROUTING);
    c.Event(s::ACTION_ROUTE, s::ROLE_SYSTEM, "", from, s::STATE_ROUTING,
            s::REASON_NO_HOLDERS,
            "no library holds this title yet; waiting for holdings", "");
    return absl::OkStatus();
  }
  r.clear_rota();
  r.clear_filtered();
  for (auto& e : plan.rota.ranked) *r.add_rota() = std::move(e);
  for (auto& e : plan.rota.filtered) *r.add_filtered() = std::move(e);
  r.set_unlisted_ranked(plan.rota.unlisted_ranked);
  r.set_unlisted_filtered(plan.rota.unlisted_filtered);
  r.set_rota_position(-1);
  return Advance(c);
}

// ---------------------------------------------------------------------------
// Commit: the one batch

absl::Status RequestEngine::Commit(Change& c, Batch& batch) {
  RequestRecord& r = c.after;
  r.set_version((c.before ? c.before->version() : 0) + 1);
  r.set_updated_at_us(c.now_us);
  for (auto& e : c.events) e.set_version(r.version());

  // Timer: drop the old one, arm the one the new state needs.
  if (c.before && c.before->timer_kind() != 0) {
    batch.Delete(Cf::kTimers,
                 keys::TimerKey(c.before->timer_due_us(), r.id(),
                                static_cast<uint8_t>(c.before->timer_kind())));
  }
  TimerKind kind = TimerKind::kNone;
  int64_t due = 0;
  switch (r.state()) {
    case s::STATE_SENT_TO_LENDER:
    case s::STATE_WILL_SUPPLY:
    case s::STATE_CANCEL_PENDING:
      kind = TimerKind::kResponseDeadline;
      due = r.response_deadline_us();
      break;
    case s::STATE_ON_LOAN:
    case s::STATE_RENEWAL_REQUESTED:  // an unanswered renewal is no excuse
      kind = TimerKind::kDueDate;
      due = r.due_date_us();
      break;
    case s::STATE_ROUTING:
      kind = TimerKind::kRoutingRetry;
      due = c.now_us + absl::ToInt64Microseconds(options_.routing_retry);
      break;
    default:
      break;
  }
  r.set_timer_kind(static_cast<uint32_t>(kind));
  r.set_timer_due_us(kind == TimerKind::kNone ? 0 : due);
  if (kind != TimerKind::kNone) {
    s::TimerRecord t;
    t.set_request_id(r.id());
    t.set_armed_at_version(r.version());
    batch.Put(Cf::kTimers,
              keys::TimerKey(due, r.id(), static_cast<uint8_t>(kind)), t);
  }

  // Indexes.
  if (!c.before) {
    batch.Put(Cf::kByBorrower,
              keys::Builder()
                  .Str(r.borrower_library_id())
                  .I64(r.created_at_us())
                  .U64(r.id())
                  .Take(),
              "");
  }
  for (const auto& lender : c.new_lenders) {
    batch.Put(Cf::kByLender,
              keys::Builder()
                  .Str(lender)
                  .I64(r.created_at_us())
                  .U64(r.id())
                  .Take(),
              "");
  }
  auto task_key = [&](absl::string_view lib) {
    return keys::Builder().Str(lib).U64(r.id()).Take();
  };
  if (!c.prev_lender.empty() && c.prev_lender != r.current_lender_id()) {
    batch.Delete(Cf::kTasks, task_key(c.prev_lender));
  }
  const bool borrower_acts =
      !fsm::ActionsFor(r.state(), r.service_type(), s::ROLE_BORROWER).empty();
  const bool lender_acts =
      !r.current_lender_id().empty() &&
      !fsm::ActionsFor(r.state(), r.service_type(), s::ROLE_LENDER).empty();
  if (borrower_acts) {
    batch.Put(Cf::kTasks, task_key(r.borrower_library_id()),
              std::string(1, static_cast<char>(kTaskBorrower)));
  } else {
    batch.Delete(Cf::kTasks, task_key(r.borrower_library_id()));
  }
  if (!r.current_lender_id().empty()) {
    if (lender_acts) {
      batch.Put(Cf::kTasks, task_key(r.current_lender_id()),
                std::string(1, static_cast<char>(kTaskLender)));
    } else {
      batch.Delete(Cf::kTasks, task_key(r.current_lender_id()));
    }
  }

  for (const auto& e : c.events) {
    batch.Put(Cf::kAudit, keys::AuditKey(r.id(), e.seq()), e);
  }
  const std::vector<CounterDelta> deltas = CountTransition(
      c.before ? &*c.before : nullptr, r, c.new_lenders, c.now_us);
  std::vector<LibraryStatsCache::Delta> library_deltas;
  for (const auto& d : deltas) {
    batch.Merge(Cf::kCounters, d.key(), d.delta);
    if (d.scope == CounterScope::kLibrary && d.day == kAllTime) {
      library_deltas.push_back({LibraryNumber(d.id), &d.delta});
    }
  }
  batch.Put(Cf::kRequests, keys::RequestKey(r.id()), r);

  // Feed: one entry per library whose work changed, under one seq.
  const uint64_t seq = feed_->Reserve();
  std::vector<std::string> fed;
  auto feed_entry = [&](const std::string& lib, bool acts, Role role) {
    fed.push_back(lib);
    s::FeedRecord f;
    f.set_request_id(r.id());
    f.set_version(r.version());
    f.set_state(r.state());
    f.set_role(acts ? role : s::ROLE_UNSPECIFIED);
    TaskFeed::Put(batch, lib, seq, f);
  };
  feed_entry(r.borrower_library_id(), borrower_acts, s::ROLE_BORROWER);
  if (!r.current_lender_id().empty()) {
    feed_entry(r.current_lender_id(), lender_acts, s::ROLE_LENDER);
  }
  if (!c.prev_lender.empty() && c.prev_lender != r.current_lender_id()) {
    feed_entry(c.prev_lender, false, s::ROLE_LENDER);
  }
  TaskFeed::PutSeq(batch, seq);
  stats_.Begin(library_deltas);
  absl::Status written = store_.Write(batch);
  if (!written.ok()) fed.clear();
  feed_->Settle(seq, std::move(fed));
  stats_.End(library_deltas, written.ok());
  return written;
}

// ---------------------------------------------------------------------------
// Submit

absl::StatusOr<SubmitResult> RequestEngine::Submit(SubmitCommand cmd) {
  RequestRecord& p = cmd.payload;
  if (cmd.idempotency_key.empty()) {
    return absl::InvalidArgumentError("idempotency_key: required");
  }
  RETURN_IF_ERROR(CheckText("idempotency_key", cmd.idempotency_key,
                            limits::kIdempotencyKeyLen));
  RETURN_IF_ERROR(
      Directory::ValidateId("borrower_library_id", p.borrower_library_id()));
  if (!p.pickup_library_id().empty()) {
    RETURN_IF_ERROR(
        Directory::ValidateId("pickup_library_id", p.pickup_library_id()));
  }
  RETURN_IF_ERROR(CheckPatronRef(p.patron_ref()));
  RETURN_IF_ERROR(ValidateTitleKey(p.title_key()));
  RETURN_IF_ERROR(CheckText("bib.title", p.bib().title(), limits::kTitleLen));
  RETURN_IF_ERROR(
      CheckText("bib.author", p.bib().author(), limits::kAuthorLen));
  RETURN_IF_ERROR(
      CheckText("bib.year", p.bib().year(), limits::kShortFieldLen));
  RETURN_IF_ERROR(
      CheckText("bib.edition", p.bib().edition(), limits::kShortFieldLen));
  RETURN_IF_ERROR(CheckText("note", p.note(), limits::kNoteLen));
  if (!s::ServiceType_IsValid(p.service_type()) ||
      !s::ServiceLevel_IsValid(p.service_level()) ||
      !s::MaterialType_IsValid(p.material_type())) {
    return absl::InvalidArgumentError(
        "service_type, service_level or material_type: unknown value");
  }
  if (p.service_type() == s::SERVICE_TYPE_UNSPECIFIED) {
    p.set_service_type(s::SERVICE_TYPE_LOAN);
  }
  if (p.service_level() == s::SERVICE_LEVEL_UNSPECIFIED) {
    p.set_service_level(s::SERVICE_LEVEL_NORMAL);
  }
  if (p.pickup_library_id().empty()) {
    p.set_pickup_library_id(p.borrower_library_id());
  }

  // Only the payload fields count toward the idempotency hash.
  RequestRecord payload;
  payload.set_borrower_library_id(p.borrower_library_id());
  payload.set_pickup_library_id(p.pickup_library_id());
  payload.set_patron_ref(p.patron_ref());
  payload.set_title_key(p.title_key());
  *payload.mutable_bib() = p.bib();
  payload.set_service_type(p.service_type());
  payload.set_service_level(p.service_level());
  payload.set_material_type(p.material_type());
  payload.set_note(p.note());
  const uint64_t hash = PayloadHash(payload);
  const std::string idem_key =
      IdemKey(p.borrower_library_id(), IdemKind::kSubmit, cmd.idempotency_key);

  absl::MutexLock key_lock(
      &KeyStripeFor(p.borrower_library_id(), cmd.idempotency_key));
  ASSIGN_OR_RETURN(auto seen, store_.GetProto<s::IdempotencyRecord>(
                                  Cf::kIdempotency, idem_key));
  if (seen) {
    if (seen->payload_hash() != hash) {
      return absl::AlreadyExistsError(absl::StrCat(
          "idempotency_key \"", cmd.idempotency_key, "\" of library ",
          p.borrower_library_id(), " was used for request ",
          FormatRequestId(seen->request_id()), " with another payload"));
    }
    ASSIGN_OR_RETURN(RequestRecord existing, Load(seen->request_id()));
    return SubmitResult{std::move(existing), false};
  }

  // Cached views, not records: no read or parse of a library record.
  ASSIGN_OR_RETURN(auto borrower,
                   directory_.LibraryViewOf(p.borrower_library_id()));
  if (borrower->record.status() == s::LIBRARY_STATUS_SUSPENDED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "borrower_library_id: library ", borrower->id(), " is suspended"));
  }
  if (p.pickup_library_id() != p.borrower_library_id()) {
    auto pickup = directory_.LibraryViewOf(p.pickup_library_id());
    if (absl::IsNotFound(pickup.status())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pickup_library_id: library ", p.pickup_library_id(),
          " is not in the directory"));
    }
    RETURN_IF_ERROR(pickup.status());
  }

  const uint64_t id = next_id_.fetch_add(1);
  absl::MutexLock lock(&StripeFor(id));
  Change c;
  c.now_us = clock_.NowMicros();
  c.after = payload;
  c.after.set_id(id);
  c.after.set_state(s::STATE_SUBMITTED);
  c.after.set_created_at_us(c.now_us);
  c.after.set_rota_position(-1);
  c.Event(s::ACTION_SUBMIT, s::ROLE_BORROWER, p.borrower_library_id(),
          fsm::kNone, s::STATE_SUBMITTED, s::REASON_UNSPECIFIED, p.note(), "");
  RETURN_IF_ERROR(Route(c));

  Batch batch(store_);
  s::IdempotencyRecord idem;
  idem.set_request_id(id);
  idem.set_payload_hash(hash);
  idem.set_version(1);
  idem.set_at_us(c.now_us);
  batch.Put(Cf::kIdempotency, idem_key, idem);
  RETURN_IF_ERROR(Commit(c, batch));
  return SubmitResult{std::move(c.after), true};
}

// ---------------------------------------------------------------------------
// Act

absl::StatusOr<RequestRecord> RequestEngine::Act(const ActCommand& cmd) {
  if (cmd.request_id == 0) {
    return absl::InvalidArgumentError("request_id: required");
  }
  if (cmd.expected_version == 0) {
    return absl::InvalidArgumentError(
        "expected_version: required (the version you last saw)");
  }
  RETURN_IF_ERROR(
      Directory::ValidateId("actor_library_id", cmd.actor_library_id));
  if (cmd.action == s::ACTION_UNSPECIFIED || !s::Action_IsValid(cmd.action)) {
    return absl::InvalidArgumentError("action: required");
  }
  if (!s::Reason_IsValid(cmd.reason)) {
    return absl::InvalidArgumentError("reason: unknown value");
  }
  if (!s::ServiceType_IsValid(cmd.service_type) ||
      (cmd.service_type != s::SERVICE_TYPE_UNSPECIFIED &&
       cmd.action != s::ACTION_REREQUEST)) {
    return absl::InvalidArgumentError(
        "service_type: only a REREQUEST may change the service");
  }
  if (IsSystemAction(cmd.action)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "action ", fsm::ActionName(cmd.action),
        " is taken by the system, not by a library"));
  }
  if (cmd.action == s::ACTION_UNFILLED && !fsm::IsUnfilledReason(cmd.reason)) {
    return absl::InvalidArgumentError(
        "reason: UNFILLED needs an unfilled reason (NON_CIRCULATING, "
        "NOT_AVAILABLE_FOR_ILL, NOT_HELD, NOT_ON_SHELF, POLICY_PROBLEM, "
        "POOR_CONDITION)");
  }
  if (cmd.action == s::ACTION_RETRY_POSSIBLE &&
      !fsm::IsRetryReason(cmd.reason)) {
    return absl::InvalidArgumentError(
        "reason: RETRY_POSSIBLE needs a retry reason (ON_LOAN, AT_BINDERY, "
        "COST_EXCEEDS_MAX, NOT_FOUND_AS_CITED, DELIVERY_DATE_NOT_POSSIBLE)");
  }
  RETURN_IF_ERROR(CheckText("note", cmd.note, limits::kNoteLen));
  RETURN_IF_ERROR(
      CheckText("tracking_ref", cmd.tracking_ref, limits::kTrackingRefLen));
  RETURN_IF_ERROR(CheckText("idempotency_key", cmd.idempotency_key,
                            limits::kIdempotencyKeyLen));

  absl::MutexLock lock(&StripeFor(cmd.request_id));
  return ActLocked(cmd, s::ROLE_UNSPECIFIED);
}

// The partnership's loan period, else the lender's, else the default.
int64_t RequestEngine::LoanPeriodDays(const RequestRecord& r) const {
  if (r.rota_position() >= 0 && r.rota_position() < r.rota_size()) {
    const std::string& pid = r.rota(r.rota_position()).partnership_id();
    if (!pid.empty()) {
      // The cached view: a national partnership's record lists thousands
      // of members, too many to read and parse at every check-out.
      auto p = directory_.PartnershipViewOf(pid);
      if (p.ok() && (*p)->record.loan_period_days() > 0) {
        return (*p)->record.loan_period_days();
      }
    }
  }
  if (!r.current_lender_id().empty()) {
    auto lender = directory_.LibraryViewOf(r.current_lender_id());
    if (lender.ok() && (*lender)->record.policy().loan_period_days() > 0) {
      return (*lender)->record.policy().loan_period_days();
    }
  }
  return options_.default_loan_days;
}

// REQUIRES: the request's stripe is held. role_override is ROLE_SYSTEM for
// timers, otherwise ROLE_UNSPECIFIED (the role follows from the actor).
absl::StatusOr<RequestRecord> RequestEngine::ActLocked(const ActCommand& cmd,
                                                       Role role_override) {
  const std::string rid = FormatRequestId(cmd.request_id);
  std::optional<s::IdempotencyRecord> seen;
  uint64_t hash = 0;
  std::string idem_key;
  if (!cmd.idempotency_key.empty()) {
    // The action's intent, not its precondition: a retry that re-read the
    // version is still the same action.
    hash = Fnv1a(absl::StrCat(cmd.request_id, "\x1f", cmd.action, "\x1f",
                              cmd.reason, "\x1f", cmd.due_date_us, "\x1f",
                              cmd.tracking_ref, "\x1f", cmd.note, "\x1f",
                              cmd.service_type));
    idem_key = IdemKey(cmd.actor_library_id, IdemKind::kAct, cmd.idempotency_key);
    ASSIGN_OR_RETURN(seen, store_.GetProto<s::IdempotencyRecord>(
                               Cf::kIdempotency, idem_key));
    if (seen) {
      if (seen->payload_hash() != hash ||
          seen->request_id() != cmd.request_id) {
        return absl::AlreadyExistsError(absl::StrCat(
            "idempotency_key \"", cmd.idempotency_key, "\" of library ",
            cmd.actor_library_id, " was used for another action"));
      }
      return Load(cmd.request_id);  // already applied: do not act twice
    }
  }

  ASSIGN_OR_RETURN(RequestRecord r, Load(cmd.request_id));
  Role role = role_override;
  if (role == s::ROLE_UNSPECIFIED) {
    if (cmd.actor_library_id == r.borrower_library_id()) {
      role = s::ROLE_BORROWER;
    } else if (!r.current_lender_id().empty() &&
               cmd.actor_library_id == r.current_lender_id()) {
      role = s::ROLE_LENDER;
    } else {
      return absl::PermissionDeniedError(absl::StrCat(
          "request ", rid, ": library ", cmd.actor_library_id,
          " is neither its borrower nor its current lender"));
    }
  }
  // Only a party to the request learns its version and state.
  if (cmd.expected_version != r.version()) {
    return absl::AbortedError(absl::StrCat(
        "request ", rid, ": version ", cmd.expected_version,
        " is stale; it is now at version ", r.version(), " in state ",
        StateOf(r)));
  }
  std::optional<Transition> t =
      fsm::Find(r.state(), cmd.action, r.service_type(), role);
  const bool other_role =
      !t && fsm::Find(r.state(), cmd.action, r.service_type()).has_value();
  if (!t) {
    if (other_role) {
      return absl::PermissionDeniedError(absl::StrCat(
          "request ", rid, ": ", fsm::ActionName(cmd.action),
          " in state ", StateOf(r), " is not the ", fsm::RoleName(role),
          "'s action"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "request ", rid, ": cannot ", fsm::ActionName(cmd.action),
        " in state ", StateOf(r)));
  }

  Change c;
  c.now_us = clock_.NowMicros();
  // The loaded record becomes `before` (moved, not copied); `was` reads it.
  c.before = std::move(r);
  c.after = *c.before;
  const RequestRecord& was = *c.before;
  c.prev_lender = was.current_lender_id();
  RequestRecord& a = c.after;
  const State from = was.state();
  const std::string actor =
      role == s::ROLE_SYSTEM ? std::string() : cmd.actor_library_id;
  const std::string lender = was.current_lender_id();
  if (cmd.reason != s::REASON_UNSPECIFIED) a.set_last_reason(cmd.reason);

  switch (cmd.action) {
    case s::ACTION_SHIP:
    case s::ACTION_SHIP_RETURN:
      if (!cmd.tracking_ref.empty()) a.set_tracking_ref(cmd.tracking_ref);
      break;
    case s::ACTION_CHECK_OUT:
    case s::ACTION_APPROVE_RENEWAL: {
      const bool renewal = cmd.action == s::ACTION_APPROVE_RENEWAL;
      int64_t due = cmd.due_date_us;
      int64_t period =
          absl::ToInt64Microseconds(absl::Hours(24) * LoanPeriodDays(was));
      if (due == 0) due = (renewal ? was.due_date_us() : c.now_us) + period;
      int64_t floor =
          renewal ? std::max(was.due_date_us(), c.now_us) : c.now_us;
      if (due <= floor) {
        return absl::InvalidArgumentError(absl::StrCat(
            "due_date: must be after ",
            renewal ? "the current due date and now" : "now"));
      }
      if (due > c.now_us + absl::ToInt64Microseconds(absl::Hours(24 * 366))) {
        return absl::InvalidArgumentError(
            "due_date: more than a year ahead");
      }
      // The borrower lends on the lender's terms; a renewal is the
      // lender's own choice.
      if (!renewal && due > c.now_us + period) {
        return absl::InvalidArgumentError(
            absl::StrCat("due_date: beyond the loan period of ",
                         LoanPeriodDays(was), " days"));
      }
      a.set_due_date_us(due);
      if (renewal) a.set_renewals(was.renewals() + 1);
      if (!renewal) a.set_checked_out_at_us(c.now_us);
      break;
    }
    default:
      break;
  }

  if (t->to != fsm::kNext) {
    a.set_state(t->to);
    if (t->to == s::STATE_CANCEL_PENDING || t->to == s::STATE_WILL_SUPPLY) {
      // The lender gets its usual time again to confirm the cancellation,
      // or to ship what it promised; then the timer acts.
      RETURN_IF_ERROR(ArmDeadline(a, lender));
    } else if (from == s::STATE_SENT_TO_LENDER ||
               from == s::STATE_WILL_SUPPLY ||
               from == s::STATE_CANCEL_PENDING) {
      a.set_response_deadline_us(0);
    }
    if (t->to == s::STATE_CANCELLED || t->to == s::STATE_COMPLETE ||
        t->to == s::STATE_LOST) {
      // Done: it leaves every task list (the lender keeps it in by_lender).
      a.set_current_lender_id(t->to == s::STATE_CANCELLED ? "" : lender);
    }
    c.Event(cmd.action, role, actor, from, t->to, cmd.reason, cmd.note,
            lender);
  } else {
    // The request moves on: record what this lender said, then route.
    if (a.rota_position() >= 0 && a.rota_position() < a.rota_size()) {
      auto* entry = a.mutable_rota(a.rota_position());
      Reason outcome = cmd.action == s::ACTION_TIMEOUT
                           ? s::REASON_DEADLINE_PASSED
                           : cmd.reason;
      entry->set_outcome(outcome);
      if (cmd.action == s::ACTION_RETRY_POSSIBLE && !entry->retry_entry()) {
        s::RotaEntryRecord again = *entry;
        again.set_outcome(s::REASON_UNSPECIFIED);
        again.set_retry_entry(true);
        again.set_rank(a.rota_size() + 1);
        again.set_explanation(absl::StrCat("retry after ",
                                           fsm::ReasonName(cmd.reason), "; ",
                                           ExplainRanked(*entry)));
        again.clear_facts();  // worded once, above
        *a.add_rota() = std::move(again);
      }
    }
    if (cmd.action == s::ACTION_TIMEOUT) a.set_last_reason(s::REASON_DEADLINE_PASSED);
    switch (cmd.action) {
      case s::ACTION_ROUTE:
        RETURN_IF_ERROR(Route(c));
        break;
      case s::ACTION_REREQUEST:
        if (cmd.service_type != s::SERVICE_TYPE_UNSPECIFIED) {
          a.set_service_type(cmd.service_type);
        }
        c.Event(cmd.action, role, actor, from, s::STATE_SUBMITTED, cmd.reason,
                cmd.service_type == was.service_type() ||
                        cmd.service_type == s::SERVICE_TYPE_UNSPECIFIED
                    ? cmd.note
                    : absl::StrCat("as ",
                                   cmd.service_type == s::SERVICE_TYPE_COPY
                                       ? "copy"
                                       : "loan",
                                   cmd.note.empty() ? "" : "; ", cmd.note),
                "");
        a.set_state(s::STATE_SUBMITTED);  // routing events start here
        RETURN_IF_ERROR(Route(c));
        break;
      default: {
        Reason why = cmd.action == s::ACTION_TIMEOUT
                         ? s::REASON_DEADLINE_PASSED
                         : cmd.reason;
        size_t mark = c.events.size();
        c.Event(cmd.action, role, actor, from, from, why, cmd.note, lender);
        a.set_current_lender_id("");
        RETURN_IF_ERROR(Advance(c));
        c.events[mark].set_to_state(a.state());
        break;
      }
    }
  }

  Batch batch(store_);
  if (!idem_key.empty()) {
    s::IdempotencyRecord idem;
    idem.set_request_id(cmd.request_id);
    idem.set_payload_hash(hash);
    idem.set_version(was.version() + 1);
    idem.set_at_us(c.now_us);
    batch.Put(Cf::kIdempotency, idem_key, idem);
  }
  RETURN_IF_ERROR(Commit(c, batch));
  return std::move(c.after);
}

// ---------------------------------------------------------------------------
// Timers

absl::StatusOr<RequestEngine::TimerSweep> RequestEngine::RunDueTimers(
    int max) {
  absl::MutexLock sweep(&timer_mu_);
  const int64_t now = clock_.NowMicros();
  struct Due {
    int64_t due;
    uint64_t id;
    uint8_t kind;
    std::string key;
  };
  std::vector<Due> due;
  absl::Status inner = absl::OkStatus();
  std::string upper = keys::Builder().I64(now + 1).Take();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kTimers, "", "", [&](absl::string_view k, absl::string_view) {
        if (k >= upper || static_cast<int>(due.size()) >= max) return false;
        keys::Reader rd(k);
        auto when = rd.I64();
        auto id = rd.U64();
        auto kind = rd.U8();
        if (!when || !id || !kind) {
          inner = Store::CorruptValue(Cf::kTimers, k);
          return false;
        }
        due.push_back({*when, *id, *kind, std::string(k)});
        return true;
      }));
  RETURN_IF_ERROR(inner);

  TimerSweep sweep_result;
  sweep_result.seen = static_cast<int>(due.size());
  for (const Due& d : due) {
    absl::MutexLock lock(&StripeFor(d.id));
    auto r = Load(d.id);
    if (!r.ok() || r->timer_due_us() != d.due ||
        r->timer_kind() != d.kind) {
      if (!r.ok() && !absl::IsNotFound(r.status())) return r.status();
      Batch batch(store_);  // stale: the request moved on
      batch.Delete(Cf::kTimers, d.key);
      RETURN_IF_ERROR(store_.Write(batch));
      continue;
    }
    ActCommand cmd;
    cmd.request_id = d.id;
    cmd.expected_version = r->version();
    switch (static_cast<TimerKind>(d.kind)) {
      case TimerKind::kResponseDeadline:
        cmd.action = s::ACTION_TIMEOUT;
        cmd.reason = s::REASON_DEADLINE_PASSED;
        break;
      case TimerKind::kDueDate:
        cmd.action = s::ACTION_MARK_OVERDUE;
        break;
      case TimerKind::kRoutingRetry:
        cmd.action = s::ACTION_ROUTE;
        break;
      default:
        return Store::CorruptValue(Cf::kTimers, d.key);
    }
    auto result = ActLocked(cmd, s::ROLE_SYSTEM);
    if (result.ok()) {
      ++sweep_result.fired;
    } else {
      if (sweep_result.failed++ == 0) {
        sweep_result.first_error = absl::Status(
            result.status().code(),
            absl::StrCat("timer for ", FormatRequestId(d.id), ": ",
                         result.status().message()));
      }
    }
  }
  return sweep_result;
}

// ---------------------------------------------------------------------------
// Reads

namespace {

bool Matches(const ListQuery& q, const RequestRecord& r) {
  if (!q.states.empty() &&
      std::find(q.states.begin(), q.states.end(), r.state()) ==
          q.states.end()) {
    return false;
  }
  if (!q.partnership_id.empty()) {
    bool routed_by = false;
    for (const auto& e : r.rota()) {
      routed_by = routed_by || e.partnership_id() == q.partnership_id;
    }
    if (!routed_by) return false;
  }
  // The by-library indexes bound the creation time in their keys; the scan
  // of every request checks it here.
  if (q.created_after_us != 0 && r.created_at_us() < q.created_after_us) {
    return false;
  }
  return q.created_before_us == 0 || r.created_at_us() < q.created_before_us;
}

}  // namespace

absl::StatusOr<Page<RequestRecord>> RequestEngine::List(
    const ListQuery& q) const {
  const bool by_borrower = !q.borrower_library_id.empty();
  const bool by_lender = !q.lender_library_id.empty();
  if (by_borrower && by_lender) {
    return absl::InvalidArgumentError(
        "borrower_library_id, lender_library_id: give at most one");
  }
  if (by_borrower || by_lender) {
    RETURN_IF_ERROR(Directory::ValidateId(
        by_borrower ? "borrower_library_id" : "lender_library_id",
        by_borrower ? q.borrower_library_id : q.lender_library_id));
  }
  if (!q.partnership_id.empty()) {
    RETURN_IF_ERROR(Directory::ValidateId("partnership_id", q.partnership_id));
  }
  if (q.states.size() > 32) {
    return absl::ResourceExhaustedError("states: at most 32");
  }
  for (State st : q.states) {
    if (st == s::STATE_UNSPECIFIED || !s::State_IsValid(st)) {
      return absl::InvalidArgumentError(
          absl::StrCat("states: unknown state ", static_cast<int>(st)));
    }
  }
  ASSIGN_OR_RETURN(int size, CheckPageSize(q.page_size));
  ASSIGN_OR_RETURN(std::string token, DecodePageToken(q.page_token));

  // Newest first, over a library's index, or over every request by id
  // (ids grow with time).
  Cf cf = Cf::kRequests;
  std::string lower, upper;
  if (by_borrower || by_lender) {
    const std::string& lib =
        by_borrower ? q.borrower_library_id : q.lender_library_id;
    cf = by_borrower ? Cf::kByBorrower : Cf::kByLender;
    const std::string prefix = keys::Builder().Str(lib).Take();
    lower = q.created_after_us
                ? keys::Builder().Str(lib).I64(q.created_after_us).Take()
                : prefix;
    upper = q.created_before_us
                ? keys::Builder().Str(lib).I64(q.created_before_us).Take()
                : keys::PrefixEnd(prefix);
    if (!token.empty() && !absl::StartsWith(token, prefix)) {
      return absl::InvalidArgumentError("page_token: not from this query");
    }
  } else {
    lower = keys::RequestKey(1);
    upper = keys::RequestKey(next_id_.load());
    if (!token.empty() && token.size() != lower.size()) {
      return absl::InvalidArgumentError("page_token: not from this query");
    }
  }
  if (!token.empty()) upper = std::min(upper, token);
  rocksdb::Slice lo(lower), hi(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lo;
  ro.iterate_upper_bound = &hi;
  auto it = store_.NewIterator(cf, ro);
  Page<RequestRecord> page;
  // Bound the work of one page when filters skip most entries.
  int examined = 0;
  const int budget = size * 20;
  std::string last_key;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    absl::string_view k(it->key().data(), it->key().size());
    if (static_cast<int>(page.items.size()) == size || examined == budget) {
      page.next_token = EncodePageToken(last_key);
      break;
    }
    ++examined;
    last_key = std::string(k);
    RequestRecord r;
    if (cf == Cf::kRequests) {
      if (!r.ParseFromArray(it->value().data(),
                            static_cast<int>(it->value().size()))) {
        return Store::CorruptValue(cf, k);
      }
    } else {
      keys::Reader rd(k);
      rd.Str();
      rd.I64();
      auto id = rd.U64();
      if (!id) return Store::CorruptValue(cf, k);
      ASSIGN_OR_RETURN(r, Load(*id));
    }
    if (Matches(q, r)) page.items.push_back(std::move(r));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "list requests"));
  return page;
}

absl::StatusOr<Page<Task>> RequestEngine::Tasks(
    absl::string_view library_id, int page_size,
    absl::string_view page_token) const {
  RETURN_IF_ERROR(Directory::ValidateId("library_id", library_id));
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<Task> page;
  absl::Status inner = absl::OkStatus();
  std::string last_key;
  RETURN_IF_ERROR(store_.Scan(
      Cf::kTasks, keys::Builder().Str(library_id).Take(), start,
      [&](absl::string_view k, absl::string_view v) {
        if (!start.empty() && k == start) return true;
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(last_key);
          return false;
        }
        keys::Reader rd(k);
        rd.Str();
        auto id = rd.U64();
        if (!id || v.size() != 1) {
          inner = Store::CorruptValue(Cf::kTasks, k);
          return false;
        }
        auto r = Load(*id);
        if (!r.ok()) {
          inner = r.status();
          return false;
        }
        Task t;
        t.role = v[0] == kTaskLender ? s::ROLE_LENDER : s::ROLE_BORROWER;
        t.actions = fsm::ActionsFor(r->state(), r->service_type(), t.role);
        t.request = *std::move(r);
        page.items.push_back(std::move(t));
        last_key = std::string(k);
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return page;
}

absl::StatusOr<std::vector<AuditRecord>> RequestEngine::AuditTrail(
    uint64_t id) const {
  RETURN_IF_ERROR(Load(id).status());
  std::vector<AuditRecord> events;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kAudit, keys::Builder().U64(id).Take(), "",
      [&](absl::string_view k, absl::string_view v) {
        AuditRecord e;
        if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kAudit, k);
          return false;
        }
        events.push_back(std::move(e));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return events;
}

}  // namespace silang
