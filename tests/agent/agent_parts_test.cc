// The agent's smaller parts: backoff delays, the task cache's dedup and
// cursor, the auto-responder's rule, and the availability pusher.
#include <memory>
#include <string>

#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/agent/agent_store.h"
#include "services/agent/auto_respond.h"
#include "services/agent/backoff.h"
#include "services/agent/items.h"
#include "services/agent/task_cache.h"
#include "services/agent/uplink.h"
#include "tests/agent/fake_core.h"
#include "tests/testing/temp_dir.h"

namespace silang::testing {
namespace {

using agent::StepResult;

TEST(BackoffTest, GrowsToTheCapWithinJitterAndReplaysBySeed) {
  agent::BackoffOptions options;
  options.initial = absl::Milliseconds(100);
  options.max = absl::Seconds(1);
  agent::Backoff a(options, 42), b(options, 42), c(options, 7);
  absl::Duration ceiling = options.initial;
  bool differs = false;
  for (int i = 0; i < 10; ++i) {
    const absl::Duration d = a.Next();
    EXPECT_EQ(d, b.Next()) << "same seed, same delays";
    differs |= d != c.Next();
    EXPECT_GE(d, ceiling / 2);
    EXPECT_LE(d, ceiling);
    ceiling = std::min(ceiling * 2, options.max);
  }
  EXPECT_TRUE(differs);
  a.Reset();
  EXPECT_LE(a.Next(), options.initial);
}

v1::SubscribeTasksResponse Event(uint64_t cursor, const std::string& id,
                                 uint64_t version, bool open = true) {
  v1::SubscribeTasksResponse e;
  e.set_cursor(cursor);
  e.mutable_task()->mutable_request()->set_id(id);
  e.mutable_task()->mutable_request()->set_version(version);
  e.mutable_task()->set_role(v1::ROLE_LENDER);
  e.set_open(open);
  return e;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = *agent::AgentStore::Open(dir_.path()); }

  TempDir dir_{"agent-parts"};
  std::unique_ptr<agent::AgentStore> store_;
};

TEST_F(StoreTest, TaskCacheKeepsTheNewestVersionAndTheCursor) {
  auto cache = *agent::TaskCache::Open(*store_, "BDG");
  auto write = [this](agent::AgentBatch& b, const agent::CachedTaskRecord*) {
    return store_->Write(b);
  };
  EXPECT_TRUE(*cache->Apply(Event(3, "r-1", 2), write));
  EXPECT_FALSE(*cache->Apply(Event(3, "r-1", 2), write)) << "a repeat";
  EXPECT_FALSE(*cache->Apply(Event(5, "r-1", 1), write)) << "older";
  EXPECT_TRUE(*cache->Apply(Event(8, "r-2", 1, /*open=*/false), write));
  EXPECT_EQ(cache->cursor(), 8u);
  EXPECT_EQ((*cache->Get("r-1"))->task().request().version(), 2u);
  EXPECT_EQ(cache->List(false)->size(), 1u);
  EXPECT_EQ(cache->List(true)->size(), 2u);

  // A failed write keeps neither the task nor the cursor.
  auto failing = [](agent::AgentBatch&, const agent::CachedTaskRecord*) {
    return absl::InternalError("disk full");
  };
  EXPECT_FALSE(cache->Apply(Event(9, "r-3", 1), failing).ok());
  EXPECT_EQ(cache->cursor(), 8u);
  EXPECT_FALSE(cache->Get("r-3")->has_value());

  // An Act reply moves the request on; a late stream event does not undo it.
  v1::Request reply;
  reply.set_id("r-1");
  reply.set_version(4);
  reply.set_state(v1::REQUEST_STATE_SHIPPED);
  reply.set_borrower_library_id("JKT");
  reply.set_current_lender_id("BDG");
  reply.set_service_type(v1::SERVICE_TYPE_LOAN);
  ASSERT_TRUE(cache->ApplyReply(reply).ok());
  EXPECT_FALSE(*cache->Apply(Event(10, "r-1", 3), write));
  auto r1 = **cache->Get("r-1");
  EXPECT_EQ(r1.task().request().version(), 4u);
  EXPECT_EQ(r1.task().role(), v1::ROLE_LENDER);
  EXPECT_THAT(r1.task().actions(), ::testing::Contains(v1::ACTION_MARK_LOST));

  cache.reset();
  auto reopened = *agent::TaskCache::Open(*store_, "BDG");
  EXPECT_EQ(reopened->cursor(), 10u);
}

TEST(AutoRespondTest, AnswersOnlyNewLenderRequestsForAnIsbn) {
  v1::Task task;
  task.set_role(v1::ROLE_LENDER);
  task.mutable_request()->set_id("r-5");
  task.mutable_request()->set_version(2);
  task.mutable_request()->set_state(v1::REQUEST_STATE_SENT_TO_LENDER);
  task.mutable_request()->mutable_title()->set_isbn("9786020332956");
  task.add_actions(v1::ACTION_WILL_SUPPLY);
  task.add_actions(v1::ACTION_UNFILLED);
  ASSERT_TRUE(agent::WantsAutoAnswer(task));
  auto yes = agent::AutoAnswer(task, /*on_shelf=*/true);
  EXPECT_EQ(yes.action(), v1::ACTION_WILL_SUPPLY);
  EXPECT_EQ(yes.expected_version(), 2u);
  auto no = agent::AutoAnswer(task, /*on_shelf=*/false);
  EXPECT_EQ(no.action(), v1::ACTION_UNFILLED);
  EXPECT_EQ(no.reason(), v1::REASON_NOT_ON_SHELF);

  v1::Task borrower = task;
  borrower.set_role(v1::ROLE_BORROWER);
  EXPECT_FALSE(agent::WantsAutoAnswer(borrower));
  v1::Task will_supply = task;
  will_supply.mutable_request()->set_state(v1::REQUEST_STATE_WILL_SUPPLY);
  EXPECT_FALSE(agent::WantsAutoAnswer(will_supply));
  v1::Task serial = task;
  serial.mutable_request()->mutable_title()->set_issn("0317-8471");
  EXPECT_FALSE(agent::WantsAutoAnswer(serial));
}

agent::ItemRecord Item(const std::string& id, const std::string& isbn,
                       v1::Availability availability) {
  agent::ItemRecord item;
  item.set_item_id(id);
  item.set_isbn(isbn);
  item.set_availability(availability);
  return item;
}

TEST_F(StoreTest, PusherSendsChangesInBatchesAndResyncsReplacingAll) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  auto items = *agent::ItemTable::Open(*store_, clock);
  FakeCore core;
  agent::LastError last_error;
  agent::Pusher pusher(core, *items, "BDG", last_error);

  ASSERT_TRUE(
      items->Put(Item("B-1", "0-306-40615-2", v1::AVAILABILITY_ON_SHELF)).ok());
  EXPECT_TRUE(*items->OnShelf("9780306406157")) << "ISBN-10 stored as 13";
  agent::ItemRecord lent;
  lent.set_item_id("B-1");  // isbn kept from before
  lent.set_availability(v1::AVAILABILITY_ON_LOAN);
  ASSERT_TRUE(items->Put(lent).ok());
  EXPECT_FALSE(*items->OnShelf("9780306406157"));
  EXPECT_FALSE(items->Put(Item("B-2", "", v1::AVAILABILITY_ON_SHELF)).ok())
      << "a new item needs its isbn";
  EXPECT_EQ(items->queued(), 2);

  core.FailNext(FakeCore::Fail::kBefore);
  EXPECT_EQ(pusher.Step(), StepResult::kRetry);
  EXPECT_EQ(items->queued(), 2) << "kept through the outage";
  EXPECT_EQ(pusher.Step(), StepResult::kProgress);
  EXPECT_EQ(pusher.Step(), StepResult::kIdle);
  ASSERT_EQ(core.holdings_calls.size(), 1u);
  const auto& call = core.holdings_calls[0];
  EXPECT_FALSE(call.replace_all());
  ASSERT_EQ(call.holdings_size(), 1) << "two changes of one item, one upsert";
  EXPECT_EQ(call.holdings(0).availability(), v1::AVAILABILITY_ON_LOAN);
  EXPECT_EQ(call.holdings(0).title().isbn(), "9780306406157");

  std::vector<agent::ItemRecord> all;
  for (int i = 0; i < 1500; ++i) {
    all.push_back(Item("T-" + std::to_string(i), "9786020332956",
                       v1::AVAILABILITY_ON_SHELF));
  }
  ASSERT_TRUE(items->Replace(all).ok());
  EXPECT_FALSE(items->Get("B-1")->has_value()) << "replaced away";
  EXPECT_EQ(pusher.Step(), StepResult::kProgress);
  ASSERT_EQ(core.holdings_calls.size(), 3u);
  EXPECT_TRUE(core.holdings_calls[1].replace_all());
  EXPECT_EQ(core.holdings_calls[1].holdings_size(), 1000);
  EXPECT_FALSE(core.holdings_calls[2].replace_all());
  EXPECT_EQ(core.holdings_calls[2].holdings_size(), 500);
  EXPECT_EQ(items->queued(), 0);
}

}  // namespace
}  // namespace silang::testing
