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

}  // namespace
}  // namespace silang
