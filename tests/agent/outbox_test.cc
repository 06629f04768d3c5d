// The outbox and its sender against a fake core: delivery in order, retry
// through outages and lost replies without acting twice, rejections kept
// and shown, the version rule for chained actions, and survival across a
// reopen of the store (a crash).
#include "services/agent/outbox.h"

#include <memory>
#include <string>

#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/agent/agent_store.h"
#include "services/agent/task_cache.h"
#include "services/agent/uplink.h"
#include "tests/agent/fake_core.h"
#include "tests/testing/temp_dir.h"

namespace silang::testing {
namespace {

using agent::Outbox;
using agent::StepResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::RecordActionRequest Action(const std::string& id, v1::Action action,
                               uint64_t version = 0) {
  v1::RecordActionRequest a;
  a.set_request_id(id);
  a.set_action(action);
  a.set_expected_version(version);
  return a;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Drops everything in memory and opens the data directory again, as a
  // restarted agent would.
  void Reopen() {
    sender_.reset();
    cache_.reset();
    outbox_.reset();
    store_.reset();
    store_ = *agent::AgentStore::Open(dir_.path());
    outbox_ = *Outbox::Open(*store_, clock_, "agent-test");
    cache_ = *agent::TaskCache::Open(*store_, "BDG");
    sender_ = std::make_unique<agent::Sender>(core_, *outbox_, *cache_, "BDG",
                                              last_error_);
  }

  uint64_t Record(const v1::RecordActionRequest& a) {
    auto e = outbox_->Record(a, /*automatic=*/false);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? e->seq() : 0;
  }

  // Steps the sender until it has nothing to do (at most `max` steps).
  void Drain(int max = 20) {
    for (int i = 0; i < max; ++i) {
      if (sender_->Step() == StepResult::kIdle) return;
    }
    ADD_FAILURE() << "sender still busy after " << max << " steps";
  }

  v1::OutboxEntry Entry(uint64_t seq) { return *outbox_->Get(seq); }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  TempDir dir_{"outbox"};
  FakeCore core_;
  agent::LastError last_error_;
  std::unique_ptr<agent::AgentStore> store_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<agent::TaskCache> cache_;
  std::unique_ptr<agent::Sender> sender_;
};

TEST_F(OutboxTest, DeliversInRecordedOrderWithStableKeys) {
  core_.SetVersion("r-1", 3);
  core_.SetVersion("r-2", 5);
  core_.SetVersion("r-3", 1);
  Record(Action("r-2", v1::ACTION_WILL_SUPPLY, 5));
  Record(Action("r-1", v1::ACTION_RECEIVE, 3));
  Record(Action("r-3", v1::ACTION_CHECK_IN, 1));
  Drain();
  ASSERT_EQ(core_.applied.size(), 3u);
  EXPECT_EQ(core_.applied[0].request_id(), "r-2");
  EXPECT_EQ(core_.applied[1].request_id(), "r-1");
  EXPECT_EQ(core_.applied[2].request_id(), "r-3");
  EXPECT_EQ(core_.applied[0].idempotency_key(), "agent-test-1");
  EXPECT_EQ(core_.applied[2].idempotency_key(), "agent-test-3");
  EXPECT_EQ(core_.applied[1].actor_library_id(), "BDG");
  EXPECT_EQ(Entry(2).state(), v1::OUTBOX_STATE_DELIVERED);
  EXPECT_EQ(Entry(2).result_version(), 4u);
  EXPECT_EQ(outbox_->counts().pending, 0);
  EXPECT_EQ(outbox_->counts().delivered, 3);
}

TEST_F(OutboxTest, RetriesThroughAnOutageAndALostReplyActingOnce) {
  core_.SetVersion("r-1", 2);
  Record(Action("r-1", v1::ACTION_SHIP, 2));
  core_.FailNext(FakeCore::Fail::kBefore, 2);
  EXPECT_EQ(sender_->Step(), StepResult::kRetry);
  EXPECT_EQ(sender_->Step(), StepResult::kRetry);
  EXPECT_EQ(Entry(1).state(), v1::OUTBOX_STATE_PENDING);
  EXPECT_EQ(Entry(1).attempts(), 2);
  EXPECT_THAT(Entry(1).error(), HasSubstr("core down"));
  EXPECT_THAT(last_error_.Get(), HasSubstr("core down"));

  // Applied, but the answer never arrives: the retry carries the same key.
  core_.FailNext(FakeCore::Fail::kAfter);
  EXPECT_EQ(sender_->Step(), StepResult::kRetry);
  EXPECT_EQ(sender_->Step(), StepResult::kProgress);
  EXPECT_EQ(sender_->Step(), StepResult::kIdle);
  ASSERT_EQ(core_.calls.size(), 4u);
  for (const auto& call : core_.calls) {
    EXPECT_EQ(call.idempotency_key(), "agent-test-1");
  }
  EXPECT_EQ(core_.applied.size(), 1u);
  EXPECT_EQ(core_.version("r-1"), 3u);
  EXPECT_EQ(Entry(1).state(), v1::OUTBOX_STATE_DELIVERED);
}

TEST_F(OutboxTest, RejectionIsKeptAndHoldsOnlyItsOwnRequest) {
  core_.SetVersion("r-1", 4);
  core_.SetVersion("r-2", 1);
  core_.Reject("r-1", absl::FailedPreconditionError(
                          "request r-1: cannot ship in state CANCELLED"));
  const uint64_t ship = Record(Action("r-1", v1::ACTION_SHIP, 4));
  const uint64_t lost = Record(Action("r-1", v1::ACTION_MARK_LOST));
  const uint64_t other = Record(Action("r-2", v1::ACTION_WILL_SUPPLY, 1));
  Drain();

  EXPECT_EQ(Entry(ship).state(), v1::OUTBOX_STATE_REJECTED);
  EXPECT_EQ(Entry(ship).error_code(), "FAILED_PRECONDITION");
  EXPECT_THAT(Entry(ship).error(), HasSubstr("CANCELLED"));
  EXPECT_EQ(Entry(lost).state(), v1::OUTBOX_STATE_HELD);
  EXPECT_EQ(Entry(lost).after_seq(), ship);
  EXPECT_EQ(Entry(other).state(), v1::OUTBOX_STATE_DELIVERED);
  ASSERT_EQ(core_.applied.size(), 1u);
  EXPECT_EQ(core_.applied[0].request_id(), "r-2");
  auto open = *outbox_->List(/*include_delivered=*/false);
  ASSERT_EQ(open.size(), 2u);  // staff still see both r-1 actions
  EXPECT_EQ(outbox_->counts().rejected, 1);

  // Only a rejected entry can be discarded.
  EXPECT_EQ(outbox_->Discard(lost).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Setting the rejected one aside lets the held one go, with the version
  // the rejected one would have used.
  core_.Unreject("r-1");
  ASSERT_TRUE(outbox_->Discard(ship).ok());
  Drain();
  EXPECT_EQ(Entry(ship).state(), v1::OUTBOX_STATE_DISCARDED);
  EXPECT_EQ(Entry(lost).state(), v1::OUTBOX_STATE_DELIVERED);
  ASSERT_EQ(core_.applied.size(), 2u);
  EXPECT_EQ(core_.applied[1].action(), v1::ACTION_MARK_LOST);
  EXPECT_EQ(core_.applied[1].expected_version(), 4u);
}

TEST_F(OutboxTest, ChainedActionUsesTheVersionItsPredecessorProduced) {
  core_.SetVersion("r-7", 3);
  Record(Action("r-7", v1::ACTION_WILL_SUPPLY, 3));
  // Recorded while the first is still queued, against the same cached
  // version: sent with the version the first one's delivery returned.
  Record(Action("r-7", v1::ACTION_SHIP, 3));
  Record(Action("r-7", v1::ACTION_MARK_LOST));  // no version of its own
  Drain();
  ASSERT_EQ(core_.applied.size(), 3u);
  EXPECT_EQ(core_.applied[0].expected_version(), 3u);
  EXPECT_EQ(core_.applied[1].expected_version(), 4u);
  EXPECT_EQ(core_.applied[2].expected_version(), 5u);
  EXPECT_EQ(core_.version("r-7"), 6u);
}

TEST_F(OutboxTest, RecordNeedsAVersionUnlessChained) {
  auto e = outbox_->Record(Action("r-9", v1::ACTION_RECEIVE), false);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("r-9"));
  EXPECT_TRUE(outbox_->List(true)->empty());  // nothing written
}

TEST_F(OutboxTest, UnchainedActionTakesTheCachedVersionWhenItNamesNone) {
  int asked = 0;
  auto cached = [&asked]() -> absl::StatusOr<uint64_t> {
    ++asked;
    return 7;
  };
  auto first = outbox_->Record(Action("r-4", v1::ACTION_RECEIVE), false,
                               nullptr, cached);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->expected_version(), 7u);
  auto chained = outbox_->Record(Action("r-4", v1::ACTION_CHECK_OUT), false,
                                 nullptr, cached);
  ASSERT_TRUE(chained.ok()) << chained.status();
  EXPECT_EQ(chained->after_seq(), first->seq());
  EXPECT_EQ(asked, 1) << "a chained action takes its predecessor's result";
  auto given = outbox_->Record(Action("r-5", v1::ACTION_RECEIVE, 3), false,
                               nullptr, cached);
  EXPECT_EQ(given->expected_version(), 3u);
  EXPECT_EQ(asked, 1) << "a version given by staff wins";
}

TEST_F(OutboxTest, SurvivesAReopenAndContinuesItsSequence) {
  core_.SetVersion("r-1", 1);
  core_.SetVersion("r-2", 1);
  Record(Action("r-1", v1::ACTION_RECEIVE, 1));
  Drain();
  Record(Action("r-2", v1::ACTION_RECEIVE, 1));
  core_.Reject("r-9", absl::NotFoundError("request r-9 not found"));
  Record(Action("r-9", v1::ACTION_RECEIVE, 1));
  core_.FailNext(FakeCore::Fail::kBefore);
  EXPECT_EQ(sender_->Step(), StepResult::kRetry);  // r-2 still queued

  Reopen();
  auto open = *outbox_->List(false);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].seq(), 2u);
  EXPECT_EQ(open[1].seq(), 3u);
  EXPECT_EQ(Record(Action("r-1", v1::ACTION_CHECK_OUT, 2)), 4u);
  Drain();
  std::vector<std::string> order;
  for (const auto& call : core_.applied) order.push_back(call.request_id());
  EXPECT_THAT(order, ElementsAre("r-1", "r-2", "r-1"));
  EXPECT_EQ(Entry(3).state(), v1::OUTBOX_STATE_REJECTED);
  EXPECT_EQ(Entry(3).error_code(), "NOT_FOUND");
  EXPECT_EQ(outbox_->List(true)->size(), 4u);
}

TEST_F(OutboxTest, ExpectedVersionConflictIsARejection) {
  core_.SetVersion("r-1", 6);  // the borrower acted meanwhile
  const uint64_t seq = Record(Action("r-1", v1::ACTION_RECALL, 5));
  Drain();
  EXPECT_EQ(Entry(seq).state(), v1::OUTBOX_STATE_REJECTED);
  EXPECT_EQ(Entry(seq).error_code(), "ABORTED");
  EXPECT_TRUE(core_.applied.empty());
}

TEST(TransientTest, OnlyUnjudgedFailuresAreRetried) {
  EXPECT_TRUE(agent::IsTransient(absl::UnavailableError("")));
  EXPECT_TRUE(agent::IsTransient(absl::DeadlineExceededError("")));
  EXPECT_TRUE(agent::IsTransient(absl::UnauthenticatedError("")));
  EXPECT_FALSE(agent::IsTransient(absl::FailedPreconditionError("")));
  EXPECT_FALSE(agent::IsTransient(absl::PermissionDeniedError("")));
  EXPECT_FALSE(agent::IsTransient(absl::AbortedError("")));
  EXPECT_FALSE(agent::IsTransient(absl::InvalidArgumentError("")));
}

}  // namespace
}  // namespace silang::testing
