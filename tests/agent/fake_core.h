// FakeCore: a CoreLink that answers like silangd would, on cue. It keeps
// each request's version, applies an action only if its expected_version
// matches (else ABORTED), remembers idempotency keys so a replay returns
// the earlier answer without applying twice, and can be told to fail the
// next calls (an outage, a lost reply, a rejection).
#ifndef SILANG_TESTS_AGENT_FAKE_CORE_H_
#define SILANG_TESTS_AGENT_FAKE_CORE_H_

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/agent/core_link.h"

namespace silang::testing {

class FakeCore final : public agent::CoreLink {
 public:
  // How the next call goes.
  enum class Fail {
    kNone,
    kBefore,  // UNAVAILABLE, nothing applied (the core is down)
    kAfter,   // applied, but the reply is lost (UNAVAILABLE)
  };

  void SetVersion(const std::string& request_id, uint64_t version) {
    versions_[request_id] = version;
  }
  uint64_t version(const std::string& request_id) {
    return versions_[request_id];
  }
  void FailNext(Fail how, int times = 1) {
    for (int i = 0; i < times; ++i) script_.push_back(how);
  }
  // Rejects every action on this request with `status`.
  void Reject(const std::string& request_id, absl::Status status) {
    rejections_[request_id] = std::move(status);
  }
  void Unreject(const std::string& request_id) {
    rejections_.erase(request_id);
  }

  absl::StatusOr<v1::Request> Act(const v1::ActRequest& req) override {
    calls.push_back(req);
    Fail how = Fail::kNone;
    if (!script_.empty()) {
      how = script_.front();
      script_.pop_front();
    }
    if (how == Fail::kBefore) return absl::UnavailableError("core down");
    auto result = Apply(req);
    if (how == Fail::kAfter) return absl::UnavailableError("reply lost");
    return result;
  }

  absl::Status PutHoldings(const v1::PutHoldingsRequest& req) override {
    if (!script_.empty()) {
      const Fail how = script_.front();
      script_.pop_front();
      if (how == Fail::kBefore) return absl::UnavailableError("core down");
    }
    holdings_calls.push_back(req);
    return absl::OkStatus();
  }

  std::vector<v1::ActRequest> calls;    // every Act call, in order
  std::vector<v1::ActRequest> applied;  // the ones that changed a request
  std::vector<v1::PutHoldingsRequest> holdings_calls;

 private:
  absl::StatusOr<v1::Request> Apply(const v1::ActRequest& req) {
    if (auto it = seen_.find(req.idempotency_key()); it != seen_.end()) {
      return it->second;
    }
    if (auto it = rejections_.find(req.request_id()); it != rejections_.end()) {
      return it->second;
    }
    uint64_t& version = versions_[req.request_id()];
    if (req.expected_version() != version) {
      return absl::AbortedError(absl::StrCat("request ", req.request_id(),
                                             " is at version ", version));
    }
    ++version;
    applied.push_back(req);
    v1::Request out;
    out.set_id(req.request_id());
    out.set_version(version);
    out.set_state(v1::REQUEST_STATE_WILL_SUPPLY);
    if (!req.idempotency_key().empty()) seen_[req.idempotency_key()] = out;
    return out;
  }

  std::map<std::string, uint64_t> versions_;
  std::map<std::string, absl::Status> rejections_;
  std::map<std::string, v1::Request> seen_;
  std::deque<Fail> script_;
};

}  // namespace silang::testing

#endif  // SILANG_TESTS_AGENT_FAKE_CORE_H_
