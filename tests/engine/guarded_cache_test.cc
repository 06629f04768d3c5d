// GuardedCache: a value read before a drop is never kept; the bound holds.
#include "engine/guarded_cache.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace silang {
namespace {

using Cache = GuardedCache<std::string>;

std::shared_ptr<const std::string> Str(const std::string& s) {
  return std::make_shared<const std::string>(s);
}

TEST(GuardedCacheTest, AValueReadBeforeADropIsNotKept) {
  Cache cache;
  const uint64_t ticket = cache.Ticket();
  cache.Drop({"k"});  // the writer, between the reader's read and insert
  EXPECT_EQ(*cache.Insert("k", Str("old"), ticket), "old");
  EXPECT_EQ(cache.Find("k"), nullptr);
  cache.Insert("k", Str("new"), cache.Ticket());
  ASSERT_NE(cache.Find("k"), nullptr);
  EXPECT_EQ(*cache.Find("k"), "new");
}

TEST(GuardedCacheTest, TheFirstInsertWinsAndDropsCallBack) {
  Cache cache;
  const uint64_t ticket = cache.Ticket();
  cache.Insert("k", Str("first"), ticket);
  EXPECT_EQ(*cache.Insert("k", Str("second"), ticket), "first");
  std::vector<std::string> dropped;
  cache.Drop({"k", "absent"},
             [&](const std::string& v) { dropped.push_back(v); });
  EXPECT_EQ(dropped, std::vector<std::string>{"first"});
  EXPECT_EQ(cache.size(), 0u);
}

TEST(GuardedCacheTest, GetOrBuildBuildsOnceAndPassesErrorsOn) {
  Cache cache;
  int builds = 0;
  auto build = [&]() -> absl::StatusOr<std::shared_ptr<const std::string>> {
    ++builds;
    return Str("v");
  };
  ASSERT_TRUE(cache.GetOrBuild("k", build).ok());
  ASSERT_TRUE(cache.GetOrBuild("k", build).ok());
  EXPECT_EQ(builds, 1);
  auto failed = cache.GetOrBuild(
      "x", []() -> absl::StatusOr<std::shared_ptr<const std::string>> {
        return absl::NotFoundError("x");
      });
  EXPECT_TRUE(absl::IsNotFound(failed.status()));
  EXPECT_EQ(cache.Find("x"), nullptr);
}

TEST(GuardedCacheTest, StaysWithinItsWeight) {
  Cache cache(100, [](const std::string& s) { return s.size(); });
  for (int i = 0; i < 50; ++i) {
    cache.Insert("k" + std::to_string(i), Str(std::string(10, 'x')),
                 cache.Ticket());
    EXPECT_LE(cache.weight(), 100u);
  }
  EXPECT_GT(cache.size(), 0u);
  cache.Insert("huge", Str(std::string(101, 'x')), cache.Ticket());
  EXPECT_EQ(cache.Find("huge"), nullptr);
  cache.Touch();
  EXPECT_GT(cache.size(), 0u) << "a touch keeps entries";
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.weight(), 0u);
}

// The write-through of a directory write (Replace).
TEST(GuardedCacheTest, ReplaceSwapsCachedValuesAndLeavesOthersUncached) {
  Cache cache;
  cache.Insert("a", Str("a1"), cache.Ticket());
  cache.Insert("b", Str("b1"), cache.Ticket());
  const uint64_t before = cache.Ticket();  // a reader that read the old state
  std::vector<std::string> replaced;
  cache.Replace(
      {"a", "b", "c"},
      [](const std::string& key, const std::string* old) -> Cache::Ptr {
        if (old == nullptr) return nullptr;  // uncached stays uncached
        if (key == "b") return nullptr;      // null drops
        return Str(*old + "+");
      },
      [&](const std::string& v) { replaced.push_back(v); });
  ASSERT_NE(cache.Find("a"), nullptr);
  EXPECT_EQ(*cache.Find("a"), "a1+");
  EXPECT_EQ(cache.Find("b"), nullptr);
  EXPECT_EQ(cache.Find("c"), nullptr);
  EXPECT_EQ(replaced, (std::vector<std::string>{"a1", "b1"}));
  EXPECT_EQ(cache.size(), 1u);
  cache.Insert("c", Str("c-old"), before);
  EXPECT_EQ(cache.Find("c"), nullptr) << "a ticket from before is turned away";
}

TEST(GuardedCacheTest, ReplaceFillsAnEmptySlotWhenTheUpdateSaysSo) {
  Cache cache;
  cache.Replace({"k"}, [](const std::string&, const std::string*) {
    return Str("written");
  });
  ASSERT_NE(cache.Find("k"), nullptr);
  EXPECT_EQ(*cache.Find("k"), "written");
}

TEST(GuardedCacheTest, ReplaceKeepsWhatAReaderCachedAfterTheWrite) {
  Cache cache;
  cache.Insert("k", Str("old"), cache.Ticket());
  const uint64_t stale = cache.Ticket();
  cache.Replace({"k", "j"}, [&](const std::string& key, const std::string* old)
                                -> Cache::Ptr {
    // While the new values are built (outside the lock): a reader that
    // read before the write is turned away; one that read after it (a
    // fresh ticket) fills the empty slot, and that value stays.
    cache.Insert(key, Str("stale"), stale);
    if (key == "j") cache.Insert("j", Str("fresh"), cache.Ticket());
    return old == nullptr ? Str("built-" + key) : Str("new");
  });
  EXPECT_EQ(*cache.Find("k"), "new");
  EXPECT_EQ(*cache.Find("j"), "fresh");
}

TEST(GuardedCacheTest, InsertAllKeepsAChunkOnlyIfNothingRaced) {
  Cache cache;
  cache.Insert("b", Str("cached"), cache.Ticket());
  uint64_t ticket = cache.Ticket();
  cache.Touch();
  EXPECT_FALSE(cache.InsertAll({"a", "b"}, {Str("a"), Str("b")}, ticket));
  EXPECT_EQ(cache.Find("a"), nullptr);
  ticket = cache.Ticket();
  EXPECT_TRUE(
      cache.InsertAll({"a", "b", "c"}, {Str("a"), Str("b"), nullptr}, ticket));
  EXPECT_EQ(*cache.Find("a"), "a");
  EXPECT_EQ(*cache.Find("b"), "cached") << "a cached value is kept";
  EXPECT_EQ(cache.Find("c"), nullptr);
  EXPECT_EQ(cache.size(), 2u);

  Cache bounded(2);
  EXPECT_TRUE(bounded.InsertAll({"x", "y", "z"}, {Str("x"), Str("y"), Str("z")},
                                bounded.Ticket()));
  EXPECT_EQ(bounded.size(), 2u) << "a fill stops at the bound";
}

}  // namespace
}  // namespace silang
