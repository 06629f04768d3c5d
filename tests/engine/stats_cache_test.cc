// LibraryStatsCache: write-through of commits' deltas, and the rule that a
// value loaded from the store while a commit on its library was in progress
// is not kept (it could count that commit's delta twice).
#include "engine/stats_cache.h"

#include <memory>
#include <vector>

#include "engine/counters.h"
#include "engine/library_view.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

using storage::v1::CounterRecord;

class StatsCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store::Options o;
    o.dir = tmp_.Sub("db");
    o.block_cache_bytes = 1 << 20;
    auto store = Store::Open(o);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    cache_ = std::make_unique<LibraryStatsCache>(*store_);
  }

  // What a commit writes for `lib`: the merge, between Begin and End.
  void Merge(const CounterRecord& delta) {
    Batch batch(*store_);
    batch.Merge(Cf::kCounters, CounterKey(CounterScope::kLibrary, "lib", kAllTime),
                delta);
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  int64_t Queue() {
    std::vector<LibraryStats> out;
    EXPECT_TRUE(cache_->Lookup({{LibraryNumber("lib"), "lib"}}, out).ok());
    return out.at(0).open_queue;
  }

  static CounterRecord Asked() {
    CounterRecord d;
    d.set_open_queue(1);
    d.set_requests_received(1);
    return d;
  }

  testing::TempDir tmp_{"stats-cache"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<LibraryStatsCache> cache_;
};

TEST_F(StatsCacheTest, CommitsAddTheirDeltasToCachedValues) {
  EXPECT_EQ(Queue(), 0);  // loaded and kept
  const CounterRecord d = Asked();
  const std::vector<LibraryStatsCache::Delta> deltas = {
      {LibraryNumber("lib"), &d}};
  for (int i = 1; i <= 3; ++i) {
    cache_->Begin(deltas);
    Merge(d);
    cache_->End(deltas, /*written=*/true);
    EXPECT_EQ(Queue(), i);
  }
}

TEST_F(StatsCacheTest, ALoadDuringACommitIsNotKept) {
  const CounterRecord d = Asked();
  const std::vector<LibraryStatsCache::Delta> deltas = {
      {LibraryNumber("lib"), &d}};
  cache_->Begin(deltas);
  Merge(d);
  EXPECT_EQ(Queue(), 1) << "read from the store, delta included";
  cache_->End(deltas, /*written=*/true);
  // Kept, End would have added the delta a second time.
  EXPECT_EQ(Queue(), 1);
  EXPECT_EQ(Queue(), 1);
}

TEST_F(StatsCacheTest, AFailedWriteDropsTheEntry) {
  EXPECT_EQ(Queue(), 0);
  const CounterRecord d = Asked();
  const std::vector<LibraryStatsCache::Delta> deltas = {
      {LibraryNumber("lib"), &d}};
  cache_->Begin(deltas);
  cache_->End(deltas, /*written=*/false);
  Merge(d);  // the store moved by other means: only a reload sees it
  EXPECT_EQ(Queue(), 1);
}

}  // namespace
}  // namespace silang
