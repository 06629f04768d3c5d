// The title-holders cache (engine/title_holders.h) behind routing: what it
// summarizes, and that no directory write leaves a decision on stale data.
#include "engine/title_holders.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

namespace s = storage::v1;

constexpr char kHeldTitle[] = "isbn:9786020332956";

TEST(BetterCopyTest, RanksShelfThenUnknownThenOnLoan) {
  const s::Availability order[] = {
      s::AVAILABILITY_ON_SHELF, s::AVAILABILITY_UNSPECIFIED,
      s::AVAILABILITY_ON_LOAN, s::AVAILABILITY_NOT_FOR_LOAN};
  for (size_t i = 0; i < std::size(order); ++i) {
    for (size_t j = i; j < std::size(order); ++j) {
      EXPECT_EQ(BetterCopy(order[i], order[j]), order[i]) << i << " " << j;
      EXPECT_EQ(BetterCopy(order[j], order[i]), order[i]) << i << " " << j;
    }
  }
}

std::shared_ptr<const TitleHolders> Holders(int n) {
  auto h = std::make_shared<TitleHolders>(n);
  return h;
}

TEST(TitleHoldersCacheTest, InsertAfterADropIsIgnored) {
  TitleHoldersCache cache(100);
  const uint64_t gen = cache.generation();
  cache.Drop({"other"});  // any drop while an entry was being built
  cache.Insert("t", Holders(3), gen);
  EXPECT_EQ(cache.Find("t"), nullptr);
  cache.Insert("t", Holders(3), cache.generation());
  ASSERT_NE(cache.Find("t"), nullptr);
  EXPECT_EQ(cache.Find("t")->size(), 3u);
  cache.Touch();
  EXPECT_NE(cache.Find("t"), nullptr) << "a touch keeps entries";
  cache.Drop({"t"});
  EXPECT_EQ(cache.Find("t"), nullptr);
  EXPECT_EQ(cache.holders(), 0u);
}

TEST(TitleHoldersCacheTest, StaysWithinItsBound) {
  TitleHoldersCache cache(100);
  for (int i = 0; i < 50; ++i) {
    cache.Insert("t" + std::to_string(i), Holders(9), cache.generation());
    EXPECT_LE(cache.holders(), 100u);
  }
  EXPECT_GT(cache.titles(), 0u);
  cache.Insert("huge", Holders(200), cache.generation());
  EXPECT_EQ(cache.Find("huge"), nullptr) << "bigger than the whole bound";
  cache.Clear();
  EXPECT_EQ(cache.titles(), 0u);
  EXPECT_EQ(cache.holders(), 0u);
}

// Over a real store: Jakarta borrows; Bandung and Tomohon hold kHeldTitle.
class TitleHoldersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto core = Core::Open(tmp_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
    for (const LibraryRecord& lib :
         {Library("jkt", -6.2146, 106.8451), Library("bdg", -6.92222, 107.60694),
          Library("tmh", 1.31678, 124.80379)}) {
      ASSERT_TRUE(directory().PutLibrary(lib, 0).ok());
    }
    PartnershipRecord p;
    p.set_id("p");
    p.set_name("Jaringan");
    for (const char* m : {"jkt", "bdg", "tmh"}) p.add_member_ids(m);
    p.set_valid_from("2024-01-01");
    p.set_valid_until("2026-12-31");
    p.set_tier(1);
    ASSERT_TRUE(directory().PutPartnership(p, 0).ok());
    Put("bdg", "bdg-1", s::AVAILABILITY_ON_LOAN);
    Put("bdg", "bdg-2", s::AVAILABILITY_NOT_FOR_LOAN);
    Put("tmh", "tmh-1", s::AVAILABILITY_ON_SHELF);
  }

  static LibraryRecord Library(const std::string& id, double lat, double lon) {
    LibraryRecord lib;
    lib.set_id(id);
    lib.set_name("Perpustakaan " + id);
    lib.set_lat(lat);
    lib.set_lon(lon);
    lib.set_time_zone("WIB");
    lib.set_status(s::LIBRARY_STATUS_ACTIVE);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
    return lib;
  }

  void Put(const std::string& lib, const std::string& item,
           s::Availability a, bool replace_all = false,
           const std::string& title = kHeldTitle) {
    HoldingRecord h;
    h.set_title_key(title);
    h.set_item_id(item);
    h.set_availability(a);
    auto put = directory().PutHoldings(lib, {h}, replace_all);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  std::shared_ptr<const TitleHolders> MustHolders() {
    auto h = directory().TitleHoldersOf(kHeldTitle);
    EXPECT_TRUE(h.ok()) << h.status();
    return h.ok() ? *h : std::make_shared<TitleHolders>();
  }

  // The libraries of the rota PlanRoute would give, best first.
  std::vector<std::string> Rota() {
    RequestRecord r;
    r.set_borrower_library_id("jkt");
    r.set_title_key(kHeldTitle);
    r.set_service_type(s::SERVICE_TYPE_LOAN);
    auto plan = core_->requests->PlanRoute(r);
    EXPECT_TRUE(plan.ok()) << plan.status();
    std::vector<std::string> ids;
    if (plan.ok()) {
      for (const auto& e : plan->rota.ranked) ids.push_back(e.library_id());
    }
    return ids;
  }

  Directory& directory() { return *core_->directory; }

  testing::TempDir tmp_{"title-holders"};
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2024, 3, 6, 10, 0, 0),
                                   absl::FixedTimeZone(7 * 3600))};
  std::unique_ptr<Core> core_;
};

TEST_F(TitleHoldersTest, OneEntryPerLibraryWithItsBestCopyServedFromMemory) {
  auto first = MustHolders();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].library->id(), "bdg");
  EXPECT_EQ((*first)[0].copies, 2);
  EXPECT_EQ((*first)[0].best, s::AVAILABILITY_ON_LOAN);
  EXPECT_EQ((*first)[1].library->id(), "tmh");
  EXPECT_EQ((*first)[1].best, s::AVAILABILITY_ON_SHELF);
  EXPECT_EQ(MustHolders(), first) << "the second read is the cached entry";
  EXPECT_EQ(directory().title_holders_cache().titles(), 1u);
}

TEST_F(TitleHoldersTest, ViewsOfManyLibrariesAreReadTogether) {
  auto cached = directory().LibraryViewOf("bdg");  // one cached, two not
  ASSERT_TRUE(cached.ok());
  std::vector<std::shared_ptr<const LibraryView>> views;
  ASSERT_TRUE(
      directory().LibraryViewsOf({"bdg", "jkt", "nowhere", "tmh"}, views).ok());
  ASSERT_EQ(views.size(), 4u);
  EXPECT_EQ(views[0], *cached);
  EXPECT_EQ(views[2], nullptr) << "not in the directory";
  for (size_t i : {1, 3}) {
    ASSERT_NE(views[i], nullptr);
    EXPECT_TRUE(views[i]->partnerships_known);
    EXPECT_EQ(views[i]->partnership_ids, std::vector<std::string>{"p"});
    auto one = directory().LibraryViewOf(views[i]->id());
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(*one, views[i]) << "kept in the cache";
  }
}

TEST_F(TitleHoldersTest, PutHoldingsRefreshesTheTitle) {
  ASSERT_EQ(Rota(), (std::vector<std::string>{"tmh", "bdg"}));  // shelf first
  Put("bdg", "bdg-1", s::AVAILABILITY_ON_SHELF);  // returned to the shelf
  EXPECT_EQ(MustHolders()->at(0).best, s::AVAILABILITY_ON_SHELF);
  EXPECT_EQ(Rota(), (std::vector<std::string>{"bdg", "tmh"}));  // nearer
  // Tomohon's only copy goes when its holdings are replaced by others.
  Put("tmh", "tmh-9", s::AVAILABILITY_ON_SHELF, /*replace_all=*/true,
      "isbn:9780306406157");
  auto now = MustHolders();
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].library->id(), "bdg");
  EXPECT_EQ(Rota(), (std::vector<std::string>{"bdg"}));
}

TEST_F(TitleHoldersTest, LibraryEditReachesTheCachedTitle) {
  auto cached = MustHolders();
  ASSERT_EQ(Rota(), (std::vector<std::string>{"tmh", "bdg"}));
  LibraryRecord tmh = Library("tmh", 1.31678, 124.80379);
  tmh.set_status(s::LIBRARY_STATUS_SUSPENDED);
  ASSERT_TRUE(directory().PutLibrary(tmh, 1).ok());
  EXPECT_TRUE((*cached)[1].library->superseded());
  EXPECT_EQ(Rota(), (std::vector<std::string>{"bdg"}));
}

TEST_F(TitleHoldersTest, ImportCommitClearsTheCache) {
  ASSERT_EQ(MustHolders()->size(), 2u);
  auto gen = directory().BeginHoldingsReplacement({"bdg"});
  ASSERT_TRUE(gen.ok()) << gen.status();
  Batch batch(*core_->store);
  HoldingRecord h;
  h.set_library_id("bdg");
  h.set_title_key("isbn:9780306406157");
  h.set_item_id("bdg-7");
  directory().StageHolding(batch, *gen, h);
  ASSERT_TRUE(core_->store->WriteUnsynced(batch).ok());
  EXPECT_EQ(MustHolders()->size(), 2u) << "pending generation is invisible";
  ASSERT_TRUE(directory().CommitHoldingsReplacement({"bdg"}, *gen).ok());
  auto now = MustHolders();
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].library->id(), "tmh");
}

// An import names its titles: only those, and the titles its libraries
// held before, lose their cached holders.
TEST_F(TitleHoldersTest, ImportCommitDropsOnlyTheTitlesItTouches) {
  constexpr char kNamed[] = "isbn:9780306406157";  // unheld, then Bandung's
  constexpr char kOther[] = "isbn:9789793062792";  // Tomohon's only
  Put("tmh", "tmh-3", s::AVAILABILITY_ON_SHELF, false, kOther);
  auto title = MustHolders();  // Bandung and Tomohon
  ASSERT_EQ(title->size(), 2u);
  auto named = directory().TitleHoldersOf(kNamed);
  ASSERT_TRUE(named.ok());
  ASSERT_TRUE((*named)->empty());
  auto other = directory().TitleHoldersOf(kOther);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ((*other)->size(), 1u);
  ASSERT_EQ(directory().title_holders_cache().titles(), 3u);

  // Bandung's new catalogue holds only kNamed.
  auto gen = directory().BeginHoldingsReplacement({"bdg"});
  ASSERT_TRUE(gen.ok()) << gen.status();
  Batch batch(*core_->store);
  HoldingRecord h;
  h.set_library_id("bdg");
  h.set_title_key(kNamed);
  h.set_item_id("bdg-7");
  directory().StageHolding(batch, *gen, h);
  ASSERT_TRUE(core_->store->WriteUnsynced(batch).ok());
  std::vector<std::string> asked;
  ASSERT_TRUE(directory()
                  .CommitHoldingsReplacement(
                      {"bdg"}, *gen,
                      [&](absl::string_view t) {
                        asked.emplace_back(t);
                        return t == kNamed;
                      })
                  .ok());
  EXPECT_EQ(directory().title_holders_cache().titles(), 1u);
  auto kept = directory().TitleHoldersOf(kOther);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, *other) << "a title the import did not touch stays cached";
  EXPECT_EQ(std::count(asked.begin(), asked.end(), kOther), 1);

  auto now = MustHolders();  // Bandung held it before: dropped, read again
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].library->id(), "tmh");
  auto held = directory().TitleHoldersOf(kNamed);  // named: read again
  ASSERT_TRUE(held.ok());
  ASSERT_EQ((*held)->size(), 1u);
  EXPECT_EQ((**held)[0].library->id(), "bdg");
}

TEST_F(TitleHoldersTest, UnheldTitleIsRememberedUntilSomeoneHoldsIt) {
  auto none = directory().TitleHoldersOf("isbn:9780306406157");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE((*none)->empty());
  Put("tmh", "tmh-2", s::AVAILABILITY_ON_SHELF, false, "isbn:9780306406157");
  auto one = directory().TitleHoldersOf("isbn:9780306406157");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->size(), 1u);
}

}  // namespace
}  // namespace silang
