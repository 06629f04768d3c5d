#include "tools/bench/driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "google/protobuf/arena.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "silang/v1/agent.grpc.pb.h"
#include "silang/v1/librarian.grpc.pb.h"

namespace silang::bench {
namespace {

using Clock = std::chrono::steady_clock;
using HealthStub =
    grpc::TemplatedGenericStub<grpc::health::v1::HealthCheckRequest,
                               grpc::health::v1::HealthCheckResponse>;

constexpr char kHealthMethod[] = "/grpc.health.v1.Health/Check";

// The calls of a loan life after the submit, in order, and who makes them.
struct Step {
  v1::Action action;
  bool by_lender;
  const char* name;
};
constexpr Step kLifeSteps[] = {
    {v1::ACTION_WILL_SUPPLY, true, "will_supply"},
    {v1::ACTION_SHIP, true, "ship"},
    {v1::ACTION_RECEIVE, false, "receive"},
    {v1::ACTION_CHECK_OUT, false, "check_out"},
    {v1::ACTION_SHIP_RETURN, false, "ship_return"},
    {v1::ACTION_CHECK_IN, true, "check_in"},
};
constexpr int kLifeCalls = 1 + std::size(kLifeSteps);

}  // namespace

const char* OpName(Op op) {
  switch (op) {
    case Op::kSubmit:
      return "submit";
    case Op::kLoanLife:
      return "loan_life";
    case Op::kHealth:
      return "health";
  }
  return "?";
}

double Latencies::p(double q) const {
  if (ns.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
  rank = std::clamp<size_t>(rank, 1, ns.size());
  return static_cast<double>(ns[rank - 1]) / 1e3;
}

Connection::Connection(const std::string& target, std::string token,
                       int channels)
    : authorization_(absl::StrCat("Bearer ", token)) {
  for (int i = 0; i < std::max(1, channels); ++i) {
    grpc::ChannelArguments args;
    // A distinct argument keeps channels from sharing one subchannel, so
    // each is its own TCP connection.
    args.SetInt("silang.bench.channel", i);
    args.SetMaxReceiveMessageSize(64 << 20);
    channels_.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
}

std::unique_ptr<grpc::ClientContext> Connection::NewContext(
    double deadline_s) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", authorization_);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::microseconds(
                                       static_cast<int64_t>(deadline_s * 1e6)));
  return ctx;
}

// One simulated client: a chain of calls driven from completion callbacks.
class Driver::Client {
 public:
  struct Shared {
    Clock::time_point measure_from;
    Clock::time_point stop_at;
    std::mutex mu;
    std::condition_variable cv;
    int running = 0;
  };

  Client(const Driver& d, const PhaseOptions& o, int index, Shared& shared,
         PhaseProgress& progress)
      : d_(d),
        o_(o),
        index_(index),
        shared_(shared),
        progress_(progress),
        rng_(Mix(o.seed ^ (static_cast<uint64_t>(o.op) << 56) ^
                 (static_cast<uint64_t>(o.concurrency) << 40) ^
                 (static_cast<uint64_t>(o.repeat) << 24) ^
                 static_cast<uint64_t>(index))),
        librarian_(v1::LibrarianService::NewStub(d.conn_.channel(index))),
        agent_(v1::AgentService::NewStub(d.conn_.channel(index))),
        health_(d.conn_.channel(index)) {
    steps_.resize(kLifeCalls);
  }

  void Start() { Next(); }

  // Latencies of the op, and per step for loan lives (0: submit).
  std::vector<int64_t> op_ns;
  std::vector<std::vector<int64_t>> steps_;
  int64_t unrouted = 0;
  int64_t rpcs = 0;
  std::map<std::string, int64_t> errors;

 private:
  bool InWindow(Clock::time_point t) const {
    return t >= shared_.measure_from && t <= shared_.stop_at;
  }

  // Starts the next op, or ends this client once the phase is over.
  void Next() {
    if (Clock::now() >= shared_.stop_at) {
      std::lock_guard<std::mutex> lock(shared_.mu);
      if (--shared_.running == 0) shared_.cv.notify_all();
      return;
    }
    switch (o_.op) {
      case Op::kHealth:
        Health();
        break;
      case Op::kSubmit:
      case Op::kLoanLife:
        Submit();
        break;
    }
  }

  grpc::ClientContext* NewContext() {
    flip_ ^= 1;
    ctx_[flip_] = d_.conn_.NewContext();
    return ctx_[flip_].get();
  }

  // A reply message for the call NewContext just made, on this side's
  // arena: a submit's reply holds up to 75 rota entries, and allocating
  // and freeing them one by one was a third of this client's CPU (which
  // shares the machine with the server).
  template <typename Msg>
  Msg* NewMessage() {
    arena_[flip_].Reset();
    return google::protobuf::Arena::CreateMessage<Msg>(&arena_[flip_]);
  }

  // Returns true if the call succeeded; records it either way.
  bool Finished(const grpc::Status& s, Clock::time_point start, int step) {
    const auto end = Clock::now();
    progress_.calls.fetch_add(1, std::memory_order_relaxed);
    const bool in = InWindow(end);
    if (in) ++rpcs;
    if (!s.ok()) {
      if (in) {
        std::string msg = s.error_message().substr(0, 100);
        ++errors[absl::StrCat(s.error_code(), " ", msg)];
      }
      return false;
    }
    if (in && step >= 0) steps_[step].push_back((end - start).count());
    return true;
  }

  void OpDone(Clock::time_point start) {
    const auto end = Clock::now();
    progress_.ops.fetch_add(1, std::memory_order_relaxed);
    if (InWindow(end)) op_ns.push_back((end - start).count());
  }

  void Health() {
    grpc::ClientContext* ctx = NewContext();
    auto* resp = &health_resp_[flip_];
    const auto start = Clock::now();
    health_.UnaryCall(ctx, kHealthMethod, {}, &health_req_, resp,
                      [this, start](grpc::Status s) {
                        if (Finished(s, start, -1)) OpDone(start);
                        Next();
                      });
  }

  void Submit() {
    ++n_;
    grpc::ClientContext* ctx = NewContext();
    v1::SubmitRequestRequest& req = submit_req_[flip_];
    req.Clear();
    req.set_idempotency_key(absl::StrCat(o_.run_id, "-", OpName(o_.op), "-",
                                         o_.concurrency, "-", index_, "-", n_));
    borrower_ = LibraryId(
        d_.active_[std::uniform_int_distribution<size_t>(
            0, d_.active_.size() - 1)(rng_)]);
    req.set_borrower_library_id(borrower_);
    req.set_patron_ref(absl::StrCat("P-", index_, "-", n_));
    req.mutable_title()->set_isbn(TitleIsbn(d_.titles_.Draw(rng_)));
    req.set_service_type(v1::SERVICE_TYPE_LOAN);
    req.set_service_level(v1::SERVICE_LEVEL_NORMAL);
    req.set_material_type(v1::MATERIAL_TYPE_BOOK);
    v1::SubmitRequestResponse* resp = NewMessage<v1::SubmitRequestResponse>();
    const auto start = Clock::now();
    life_start_ = start;
    librarian_->async()->SubmitRequest(
        ctx, &req, resp, [this, start, resp](grpc::Status s) {
          if (!Finished(s, start, 0)) return Next();
          progress_.submitted.fetch_add(1, std::memory_order_relaxed);
          const v1::Request& r = resp->request();
          const bool routed = r.state() == v1::REQUEST_STATE_SENT_TO_LENDER;
          if (!routed && InWindow(Clock::now())) ++unrouted;
          if (o_.op == Op::kSubmit) {
            OpDone(start);
            return Next();
          }
          if (!routed) return Next();
          request_id_ = r.id();
          lender_ = r.current_lender_id();
          version_ = r.version();
          Act(0);
        });
  }

  void Act(int step) {
    if (Clock::now() >= shared_.stop_at) return Next();  // abandon the life
    const Step& st = kLifeSteps[step];
    grpc::ClientContext* ctx = NewContext();
    v1::ActRequest& req = act_req_[flip_];
    req.Clear();
    req.set_request_id(request_id_);
    req.set_expected_version(version_);
    req.set_actor_library_id(st.by_lender ? lender_ : borrower_);
    req.set_action(st.action);
    req.set_idempotency_key(absl::StrCat(request_id_, "-", st.name));
    if (st.action == v1::ACTION_SHIP || st.action == v1::ACTION_SHIP_RETURN) {
      req.set_tracking_ref(absl::StrCat("POS-", request_id_));
    }
    v1::Request* resp = NewMessage<v1::Request>();
    const auto start = Clock::now();
    agent_->async()->Act(ctx, &req, resp,
                         [this, start, step, resp](grpc::Status s) {
                           if (!Finished(s, start, step + 1)) return Next();
                           version_ = resp->version();
                           if (step + 1 < static_cast<int>(
                                              std::size(kLifeSteps))) {
                             return Act(step + 1);
                           }
                           OpDone(life_start_);
                           Next();
                         });
  }

  const Driver& d_;
  const PhaseOptions& o_;
  const int index_;
  Shared& shared_;
  PhaseProgress& progress_;
  std::mt19937_64 rng_;
  std::unique_ptr<v1::LibrarianService::Stub> librarian_;
  std::unique_ptr<v1::AgentService::Stub> agent_;
  HealthStub health_;

  // Two of each, alternating: a call's completion callback starts the next
  // call, so it must not destroy its own context or messages.
  int flip_ = 0;
  std::unique_ptr<grpc::ClientContext> ctx_[2];
  grpc::health::v1::HealthCheckRequest health_req_;
  grpc::health::v1::HealthCheckResponse health_resp_[2];
  v1::SubmitRequestRequest submit_req_[2];
  v1::ActRequest act_req_[2];
  google::protobuf::Arena arena_[2];  // replies to submit and act

  int64_t n_ = 0;
  std::string borrower_;
  std::string lender_;
  std::string request_id_;
  uint64_t version_ = 0;
  Clock::time_point life_start_;
};

Driver::Driver(const Connection& conn, const WorkloadShape& shape,
               std::vector<int> active_libraries)
    : conn_(conn),
      shape_(shape),
      active_(std::move(active_libraries)),
      titles_(shape.titles, shape.request_skew) {}

Driver::~Driver() = default;

PhaseResult Driver::Run(const PhaseOptions& o, PhaseProgress& progress) {
  Client::Shared shared;
  const auto t0 = Clock::now();
  auto micros = [](double s) {
    return std::chrono::microseconds(static_cast<int64_t>(s * 1e6));
  };
  shared.measure_from = t0 + micros(o.warmup_s);
  shared.stop_at = shared.measure_from + micros(o.seconds);
  shared.running = o.concurrency;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < o.concurrency; ++i) {
    clients.push_back(std::make_unique<Client>(*this, o, i, shared, progress));
  }
  for (auto& c : clients) c->Start();
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.running == 0; });
  }

  PhaseResult r;
  r.op = o.op;
  r.concurrency = o.concurrency;
  r.seconds = o.seconds;
  for (auto& c : clients) {
    r.latency.ns.insert(r.latency.ns.end(), c->op_ns.begin(), c->op_ns.end());
    r.unrouted += c->unrouted;
    r.rpcs += c->rpcs;
    for (auto& [k, v] : c->errors) {
      r.error_codes[k] += v;
      r.errors += v;
    }
    if (o.op == Op::kLoanLife) {
      for (int s = 0; s < kLifeCalls; ++s) {
        const char* name = s == 0 ? "submit" : kLifeSteps[s - 1].name;
        auto& v = r.steps[name].ns;
        v.insert(v.end(), c->steps_[s].begin(), c->steps_[s].end());
      }
    }
  }
  std::sort(r.latency.ns.begin(), r.latency.ns.end());
  for (auto& [name, l] : r.steps) std::sort(l.ns.begin(), l.ns.end());
  r.completed = static_cast<int64_t>(r.latency.ns.size());
  r.qps = static_cast<double>(r.completed) / o.seconds;
  return r;
}

}  // namespace silang::bench
