// The network's per-state gauge and commit tally in CounterRecord
// (in_state, commits_by_state): what CountTransition adds for one commit,
// that both stay on the all-time network key, and that merging a run of
// commits in the store leaves the exact number of requests in each state.
#include <map>
#include <string>
#include <vector>

#include "engine/counter_merge.h"
#include "engine/counters.h"
#include "engine/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// 2026-11-23 02:00 UTC.
constexpr int64_t kNow = int64_t{1795399200} * 1000000;

const std::string kNetworkAllTime =
    CounterKey(CounterScope::kNetwork, "", kAllTime);

// A loan from JKT, asked of BDG then TPG under NUSANTARA.
s::RequestRecord Request(s::State state, int position = 0) {
  s::RequestRecord r;
  r.set_id(1);
  r.set_borrower_library_id("JKT");
  r.set_service_type(s::SERVICE_TYPE_LOAN);
  r.set_created_at_us(kNow - 1000);
  r.set_sent_at_us(kNow - 1000);
  for (const char* lib : {"BDG", "TPG"}) {
    auto* e = r.add_rota();
    e->set_library_id(lib);
    e->set_partnership_id("NUSANTARA");
  }
  r.set_rota_position(position);
  r.set_current_lender_id(r.rota(position).library_id());
  r.set_state(state);
  return r;
}

std::map<std::string, s::CounterRecord> ByKey(
    const std::vector<CounterDelta>& deltas) {
  std::map<std::string, s::CounterRecord> out;
  for (const auto& d : deltas) out[d.key()] = d.delta;
  return out;
}

TEST(CountersStateTest, NewRequestEntersItsFirstState) {
  auto deltas = ByKey(CountTransition(nullptr, Request(s::STATE_SENT_TO_LENDER),
                                      {"BDG"}, kNow));
  ASSERT_TRUE(deltas.contains(kNetworkAllTime));
  const s::CounterRecord& net = deltas[kNetworkAllTime];
  EXPECT_THAT(net.in_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 1)));
  EXPECT_THAT(net.commits_by_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 1)));
  // The existing counts are still there.
  EXPECT_EQ(net.requests_made(), 1);
  EXPECT_EQ(net.requests_received(), 1);
}

TEST(CountersStateTest, TransitionMovesOneRequestBetweenStates) {
  s::RequestRecord before = Request(s::STATE_SENT_TO_LENDER);
  s::RequestRecord after = Request(s::STATE_WILL_SUPPLY);
  auto deltas = ByKey(CountTransition(&before, after, {}, kNow));
  const s::CounterRecord& net = deltas[kNetworkAllTime];
  EXPECT_THAT(net.in_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, -1),
                                   Pair(s::STATE_WILL_SUPPLY, 1)));
  EXPECT_THAT(net.commits_by_state(),
              UnorderedElementsAre(Pair(s::STATE_WILL_SUPPLY, 1)));
}

TEST(CountersStateTest, CommitThatKeepsTheStateIsCountedButMovesNothing) {
  // The first lender let the deadline pass; the request goes to the next.
  s::RequestRecord before = Request(s::STATE_SENT_TO_LENDER, 0);
  s::RequestRecord after = Request(s::STATE_SENT_TO_LENDER, 1);
  after.set_last_reason(s::REASON_DEADLINE_PASSED);
  auto deltas = ByKey(CountTransition(&before, after, {"TPG"}, kNow));
  const s::CounterRecord& net = deltas[kNetworkAllTime];
  EXPECT_THAT(net.in_state(), IsEmpty());
  EXPECT_THAT(net.commits_by_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 1)));
  EXPECT_EQ(net.timeouts(), 1);  // unchanged behaviour alongside
}

TEST(CountersStateTest, OnlyTheNetworkAllTimeKeyCarriesThem) {
  s::RequestRecord before = Request(s::STATE_SENT_TO_LENDER);
  s::RequestRecord after = Request(s::STATE_WILL_SUPPLY);
  for (const auto& d : CountTransition(&before, after, {}, kNow)) {
    if (d.key() == kNetworkAllTime) continue;
    SCOPED_TRACE(d.delta.DebugString());
    EXPECT_THAT(d.delta.in_state(), IsEmpty());
    EXPECT_THAT(d.delta.commits_by_state(), IsEmpty());
  }
  // The day key still gets the day's counts.
  auto deltas = ByKey(CountTransition(nullptr, Request(s::STATE_SENT_TO_LENDER),
                                      {"BDG"}, kNow));
  const std::string today =
      CounterKey(CounterScope::kNetwork, "", CounterDay(kNow));
  ASSERT_TRUE(deltas.contains(today));
  EXPECT_EQ(deltas[today].requests_made(), 1);
  EXPECT_THAT(deltas[today].in_state(), IsEmpty());
}

TEST(CountersStateTest, MergeAddsAndDropsStatesThatEmptied) {
  s::CounterRecord into;
  (*into.mutable_in_state())[s::STATE_SENT_TO_LENDER] = 1;
  (*into.mutable_commits_by_state())[s::STATE_SENT_TO_LENDER] = 1;
  s::CounterRecord delta;
  (*delta.mutable_in_state())[s::STATE_SENT_TO_LENDER] = -1;
  (*delta.mutable_in_state())[s::STATE_WILL_SUPPLY] = 1;
  (*delta.mutable_commits_by_state())[s::STATE_WILL_SUPPLY] = 1;
  AddCounters(into, delta);
  EXPECT_THAT(into.in_state(),
              UnorderedElementsAre(Pair(s::STATE_WILL_SUPPLY, 1)));
  EXPECT_THAT(into.commits_by_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 1),
                                   Pair(s::STATE_WILL_SUPPLY, 1)));
}

// Three requests' commits merged through the store, as RequestEngine::Commit
// does: the all-time network key holds how many are in each state now.
TEST(CountersStateTest, StoreHoldsExactCountsPerState) {
  testing::TempDir dir("counters-state");
  Store::Options options;
  options.dir = dir.Sub("db");
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();

  auto commit = [&](const s::RequestRecord* before,
                    const s::RequestRecord& after,
                    std::vector<std::string> asked) {
    Batch batch(**store);
    for (const auto& d : CountTransition(before, after, asked, kNow)) {
      batch.Merge(Cf::kCounters, d.key(), d.delta);
    }
    ASSERT_TRUE((*store)->Write(batch).ok());
  };
  const s::RequestRecord sent = Request(s::STATE_SENT_TO_LENDER);
  const s::RequestRecord will = Request(s::STATE_WILL_SUPPLY);
  const s::RequestRecord shipped = Request(s::STATE_SHIPPED);
  // Three submitted; two answered WILL_SUPPLY; one of those shipped.
  for (int i = 0; i < 3; ++i) commit(nullptr, sent, {"BDG"});
  commit(&sent, will, {});
  commit(&sent, will, {});
  commit(&will, shipped, {});

  auto net = ReadCounters(**store, CounterScope::kNetwork, "", kAllTime);
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_THAT(net->in_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 1),
                                   Pair(s::STATE_WILL_SUPPLY, 1),
                                   Pair(s::STATE_SHIPPED, 1)));
  EXPECT_THAT(net->commits_by_state(),
              UnorderedElementsAre(Pair(s::STATE_SENT_TO_LENDER, 3),
                                   Pair(s::STATE_WILL_SUPPLY, 2),
                                   Pair(s::STATE_SHIPPED, 1)));
  EXPECT_EQ(net->requests_made(), 3);
  EXPECT_EQ(net->filled(), 1);

  auto today =
      ReadCounters(**store, CounterScope::kNetwork, "", CounterDay(kNow));
  ASSERT_TRUE(today.ok()) << today.status();
  EXPECT_THAT(today->in_state(), IsEmpty());
  EXPECT_EQ(today->requests_made(), 3);
}

}  // namespace
}  // namespace silang
