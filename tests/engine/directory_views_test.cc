// The directory's library views (engine/directory.h): a view its own write
// put in the cache (write-through) or that start-up warming built is the
// view a fresh read of the store would build, field for field.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "engine/directory.h"
#include "engine/library_view.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

namespace s = storage::v1;

// What routing reads of a view, compared field for field.
void ExpectSameView(const LibraryView& got, const LibraryView& want) {
  SCOPED_TRACE(want.id());
  EXPECT_EQ(got.record.SerializeAsString(), want.record.SerializeAsString());
  EXPECT_EQ(got.zone, want.zone);
  EXPECT_EQ(got.closures, want.closures);
  EXPECT_EQ(got.partnerships_known, want.partnerships_known);
  EXPECT_EQ(got.partnership_ids, want.partnership_ids);
  EXPECT_EQ(got.partnership_numbers, want.partnership_numbers);
  EXPECT_EQ(got.position.x, want.position.x);
  EXPECT_EQ(got.position.y, want.position.y);
  EXPECT_EQ(got.position.z, want.position.z);
  EXPECT_EQ(got.province, want.province);
  EXPECT_EQ(got.island, want.island);
  EXPECT_EQ(got.number, want.number);
  EXPECT_EQ(got.service_mask, want.service_mask);
  EXPECT_EQ(got.material_mask, want.material_mask);
  EXPECT_EQ(got.max_concurrent_loans, want.max_concurrent_loans);
  EXPECT_EQ(got.suspended, want.suspended);
  EXPECT_EQ(got.last_resort, want.last_resort);
  EXPECT_FALSE(got.superseded());
}

class DirectoryViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto core = Core::Open(tmp_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  static LibraryRecord Library(const std::string& id, int i = 0) {
    LibraryRecord lib;
    lib.set_id(id);
    lib.set_name("Perpustakaan " + id);
    lib.set_province(i % 2 == 0 ? "Jawa Barat" : "Sulawesi Utara");
    lib.set_island(i % 2 == 0 ? "Jawa" : "Sulawesi");
    lib.set_lat(-6.9 + (i % 100) * 0.01);
    lib.set_lon(107.6 + (i % 50) * 0.01);
    lib.set_time_zone(i % 3 == 0 ? "WIB" : "WITA");
    lib.set_status(s::LIBRARY_STATUS_ACTIVE);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
    if (i % 5 == 0) {
      auto* c = lib.add_closures();
      c->set_from_date("2024-12-24");
      c->set_to_date("2025-01-02");
    }
    return lib;
  }

  void PutLibrary(const LibraryRecord& lib, uint64_t version) {
    auto put = directory().PutLibrary(lib, version);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  void PutPartnership(const std::string& id,
                      const std::vector<std::string>& members,
                      uint64_t version, int tier = 1) {
    PartnershipRecord p;
    p.set_id(id);
    p.set_name("Jaringan " + id);
    for (const auto& m : members) p.add_member_ids(m);
    p.set_valid_from("2024-01-01");
    p.set_valid_until("2026-12-31");
    p.set_tier(tier);
    auto put = directory().PutPartnership(p, version);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  // n libraries lib-00000.., each in one of three partnerships by i % 3
  // and every tenth in a fourth, and a library-less membership gap.
  void Network(int n) {
    std::vector<std::string> groups[4];
    for (int i = 0; i < n; ++i) {
      std::string id = absl::StrFormat("lib-%05d", i);
      ASSERT_NO_FATAL_FAILURE(PutLibrary(Library(id, i), 0));
      groups[i % 3].push_back(id);
      if (i % 10 == 0) groups[3].push_back(id);
    }
    for (int g = 0; g < 4; ++g) {
      ASSERT_NO_FATAL_FAILURE(
          PutPartnership(absl::StrCat("p", g), groups[g], 0, g + 1));
    }
  }

  // The view a directory with nothing cached builds from the store.
  std::shared_ptr<const LibraryView> Fresh(const std::string& id) {
    Directory fresh(*core_->store, clock_);
    auto view = fresh.LibraryViewOf(id);
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? *view : nullptr;
  }

  std::shared_ptr<const LibraryView> Cached(const std::string& id) {
    return directory().library_view_cache().Find(id);
  }

  Directory& directory() { return *core_->directory; }

  testing::TempDir tmp_{"directory-views"};
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2024, 3, 6, 10, 0, 0),
                                   absl::FixedTimeZone(7 * 3600))};
  std::unique_ptr<Core> core_;
};

// Routing checks these copies of the record's fields for every holder.
TEST(LibraryViewTest, RoutingFieldsMirrorTheRecord) {
  s::LibraryRecord lib;
  lib.set_id("bdg");
  lib.mutable_policy()->add_services(s::SERVICE_TYPE_COPY);
  auto any_material = LibraryView::Make(lib);
  EXPECT_TRUE(any_material->Lends(s::SERVICE_TYPE_COPY));
  EXPECT_FALSE(any_material->Lends(s::SERVICE_TYPE_LOAN));
  EXPECT_TRUE(any_material->LendsMaterial(s::MATERIAL_TYPE_MAP));
  EXPECT_FALSE(any_material->suspended);
  EXPECT_FALSE(any_material->last_resort);
  EXPECT_EQ(any_material->max_concurrent_loans, 0);
  EXPECT_EQ(any_material->number, LibraryNumber("bdg"));

  lib.mutable_policy()->add_material_types(s::MATERIAL_TYPE_BOOK);
  lib.mutable_policy()->add_material_types(s::MATERIAL_TYPE_THESIS);
  lib.mutable_policy()->set_max_concurrent_loans(5);
  lib.set_status(s::LIBRARY_STATUS_SUSPENDED);
  lib.set_lender_of_last_resort(true);
  auto view = LibraryView::Make(lib)->WithPartnerships({"p-kota"});
  EXPECT_TRUE(view->LendsMaterial(s::MATERIAL_TYPE_BOOK));
  EXPECT_TRUE(view->LendsMaterial(s::MATERIAL_TYPE_THESIS));
  EXPECT_FALSE(view->LendsMaterial(s::MATERIAL_TYPE_MAP));
  EXPECT_TRUE(view->suspended);
  EXPECT_TRUE(view->last_resort);
  EXPECT_EQ(view->max_concurrent_loans, 5);
}

TEST_F(DirectoryViewsTest, PutLibraryWritesItsViewThrough) {
  ASSERT_NO_FATAL_FAILURE(PutLibrary(Library("bdg", 0), 0));
  ASSERT_NO_FATAL_FAILURE(PutLibrary(Library("jkt", 1), 0));
  ASSERT_NO_FATAL_FAILURE(PutPartnership("p", {"bdg", "jkt"}, 0));
  auto before = directory().LibraryViewOf("bdg");
  ASSERT_TRUE(before.ok());

  LibraryRecord edited = Library("bdg", 5);  // a closure, another zone
  edited.set_name("Dinas Perpustakaan Kota Bandung");
  ASSERT_NO_FATAL_FAILURE(PutLibrary(edited, 1));
  EXPECT_TRUE((*before)->superseded()) << "holders' lists look it up again";
  auto now = Cached("bdg");
  ASSERT_NE(now, nullptr) << "written through, not dropped";
  EXPECT_EQ(now->record.name(), "Dinas Perpustakaan Kota Bandung");
  EXPECT_EQ(now->partnership_ids, std::vector<std::string>{"p"});
  ExpectSameView(*now, *Fresh("bdg"));
  auto served = directory().LibraryViewOf("bdg");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(*served, now);

  // A new library's view is cached too, without memberships.
  ASSERT_NO_FATAL_FAILURE(PutLibrary(Library("tmh", 2), 0));
  ASSERT_NE(Cached("tmh"), nullptr);
  ExpectSameView(*Cached("tmh"), *Fresh("tmh"));
}

TEST_F(DirectoryViewsTest, PutPartnershipUpdatesCachedMembersOnly) {
  for (const char* id : {"a", "b", "c", "d"}) {
    ASSERT_NO_FATAL_FAILURE(PutLibrary(Library(id, 3), 0));
  }
  ASSERT_NO_FATAL_FAILURE(PutPartnership("p", {"a", "b", "c"}, 0));
  ASSERT_NO_FATAL_FAILURE(PutPartnership("q", {"a", "c"}, 0));
  for (const char* id : {"a", "b", "c", "d"}) {
    ExpectSameView(*Cached(id), *Fresh(id));
  }
  auto a_before = Cached("a");
  auto b_before = Cached("b");
  auto c_before = Cached("c");

  // b leaves p, d joins it; a and c stay members.
  ASSERT_NO_FATAL_FAILURE(PutPartnership("p", {"a", "c", "d"}, 1, 2));
  EXPECT_TRUE(b_before->superseded());
  EXPECT_EQ(Cached("a"), a_before) << "membership unchanged: same view";
  EXPECT_EQ(Cached("c"), c_before);
  EXPECT_FALSE(a_before->superseded());
  EXPECT_EQ(Cached("b")->partnership_ids, std::vector<std::string>{});
  EXPECT_EQ(Cached("d")->partnership_ids, std::vector<std::string>{"p"});
  for (const char* id : {"a", "b", "c", "d"}) {
    ExpectSameView(*Cached(id), *Fresh(id));
  }
  // Routing reads the new tier through the partnership view.
  auto pv = directory().PartnershipViewOf("p");
  ASSERT_TRUE(pv.ok());
  EXPECT_EQ((*pv)->tier, 2);
}

TEST_F(DirectoryViewsTest, PutPartnershipLeavesUncachedMembersUncached) {
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_NO_FATAL_FAILURE(PutLibrary(Library(id), 0));
  }
  // A restart: a new directory over the same store, nothing cached.
  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  ASSERT_TRUE(directory().LibraryViewOf("a").ok());
  ASSERT_NO_FATAL_FAILURE(PutPartnership("p", {"a", "b"}, 0));
  EXPECT_EQ(Cached("b"), nullptr) << "not read from the store by the write";
  EXPECT_EQ(Cached("c"), nullptr);
  ASSERT_NE(Cached("a"), nullptr);
  EXPECT_EQ(Cached("a")->partnership_ids, std::vector<std::string>{"p"});
  ExpectSameView(*Cached("a"), *Fresh("a"));
}

TEST_F(DirectoryViewsTest, WarmingCachesEveryLibraryAsAReadWould) {
  constexpr int kLibraries = 2500;  // three chunks
  ASSERT_NO_FATAL_FAILURE(Network(kLibraries));
  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  ASSERT_EQ(directory().library_view_cache().size(), 0u);
  std::atomic<bool> stop{false};
  auto warmed = directory().WarmLibraryViews(stop);
  ASSERT_TRUE(warmed.ok()) << warmed.status();
  EXPECT_EQ(*warmed, kLibraries);
  EXPECT_EQ(directory().library_view_cache().size(), size_t{kLibraries});

  Directory fresh(*core_->store, clock_);
  std::vector<std::string> ids;
  for (int i = 0; i < kLibraries; ++i) {
    ids.push_back(absl::StrFormat("lib-%05d", i));
  }
  std::vector<std::shared_ptr<const LibraryView>> want;
  ASSERT_TRUE(fresh.LibraryViewsOf(ids, want).ok());
  for (int i = 0; i < kLibraries; ++i) {
    auto got = Cached(ids[i]);
    ASSERT_NE(got, nullptr) << ids[i];
    ASSERT_NE(want[i], nullptr) << ids[i];
    ExpectSameView(*got, *want[i]);
  }
  EXPECT_EQ(Cached("lib-00010")->partnership_ids,
            (std::vector<std::string>{"p1", "p3"}));
}

TEST_F(DirectoryViewsTest, WarmingHandsOnEachCachedChunkAndStopsOnItsError) {
  constexpr int kLibraries = 2500;  // three chunks
  ASSERT_NO_FATAL_FAILURE(Network(kLibraries));
  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  std::atomic<bool> stop{false};
  std::set<std::string> seen;
  int chunks = 0;
  auto warmed = directory().WarmLibraryViews(
      stop, [&](const std::vector<std::shared_ptr<const LibraryView>>& views) {
        ++chunks;
        for (const auto& v : views) {
          EXPECT_EQ(Cached(v->id()), v);  // cached before it is handed on
          seen.insert(v->id());
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(warmed.ok()) << warmed.status();
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(seen.size(), size_t{kLibraries});

  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  chunks = 0;
  warmed = directory().WarmLibraryViews(
      stop, [&](const std::vector<std::shared_ptr<const LibraryView>>&) {
        ++chunks;
        return absl::UnavailableError("store busy");
      });
  EXPECT_EQ(warmed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(chunks, 1);
}

TEST_F(DirectoryViewsTest, WarmingStopsWhenAsked) {
  ASSERT_NO_FATAL_FAILURE(Network(1500));
  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  std::atomic<bool> stop{true};
  auto warmed = directory().WarmLibraryViews(stop);
  ASSERT_TRUE(warmed.ok()) << warmed.status();
  EXPECT_EQ(*warmed, 0);
  EXPECT_EQ(directory().library_view_cache().size(), 0u);
}

TEST_F(DirectoryViewsTest, AWriteDuringWarmingIsNotLost) {
  constexpr int kLibraries = 3000;
  ASSERT_NO_FATAL_FAILURE(Network(kLibraries));
  core_->directory = std::make_unique<Directory>(*core_->store, clock_);
  std::atomic<bool> stop{false};
  std::atomic<bool> warming{true};
  std::thread warm([&] {
    auto warmed = directory().WarmLibraryViews(stop);
    EXPECT_TRUE(warmed.ok()) << warmed.status();
    warming = false;
  });
  // Rename libraries (and move one between partnerships) all through the
  // warming, from the end of the id range back, so writes meet chunks
  // that are being read.
  int writes = 0;
  for (int i = kLibraries - 1; i >= 0 && (warming || writes < 50);
       i -= 7, ++writes) {
    std::string id = absl::StrFormat("lib-%05d", i);
    LibraryRecord lib = Library(id, i);
    lib.set_name(absl::StrCat("renamed ", writes));
    ASSERT_NO_FATAL_FAILURE(PutLibrary(lib, 1));
  }
  ASSERT_NO_FATAL_FAILURE(
      PutPartnership("p4", {"lib-00001", "lib-02999"}, 0));
  warm.join();
  ASSERT_GT(writes, 0);
  Directory fresh(*core_->store, clock_);
  int cached = 0;
  for (int i = 0; i < kLibraries; ++i) {
    std::string id = absl::StrFormat("lib-%05d", i);
    auto got = Cached(id);
    if (got == nullptr) continue;  // a chunk that kept racing: built on use
    ++cached;
    auto want = fresh.LibraryViewOf(id);
    ASSERT_TRUE(want.ok());
    ExpectSameView(*got, **want);
  }
  EXPECT_GT(cached, 0);
  for (const char* id : {"lib-00001", "lib-02999"}) {
    auto view = directory().LibraryViewOf(id);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ((*view)->partnership_ids.back(), "p4");
  }
}

}  // namespace
}  // namespace silang
