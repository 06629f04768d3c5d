#include "engine/routing.h"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/geo.h"
#include "engine/title_holders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Point {
  double lat;
  double lon;
};
constexpr Point kJakarta = {-6.2146, 106.8451};
constexpr Point kBandung = {-6.92222, 107.60694};
constexpr Point kTanjungPinang = {0.91667, 104.45833};
constexpr Point kTomohon = {1.31678, 124.80379};

TEST(GeoTest, KnownDistances) {
  EXPECT_NEAR(geo::DistanceKm(kTanjungPinang.lat, kTanjungPinang.lon,
                              kTomohon.lat, kTomohon.lon),
              2262, 25);
  EXPECT_NEAR(
      geo::DistanceKm(kJakarta.lat, kJakarta.lon, kBandung.lat, kBandung.lon),
      115, 10);
  EXPECT_DOUBLE_EQ(
      geo::DistanceKm(kJakarta.lat, kJakarta.lon, kJakarta.lat, kJakarta.lon),
      0.0);
  // Symmetric.
  EXPECT_DOUBLE_EQ(
      geo::DistanceKm(kJakarta.lat, kJakarta.lon, kTomohon.lat, kTomohon.lon),
      geo::DistanceKm(kTomohon.lat, kTomohon.lon, kJakarta.lat, kJakarta.lon));
}

TEST(GeoTest, UnitVectorsGiveTheHaversineDistance) {
  const Point points[] = {kJakarta, kBandung, kTanjungPinang, kTomohon,
                          {-8.65, 115.2167}, {-2.5337, 140.7181}, {0, 0}};
  for (const Point& a : points) {
    for (const Point& b : points) {
      EXPECT_NEAR(geo::DistanceKm(geo::ToUnitVector(a.lat, a.lon),
                                  geo::ToUnitVector(b.lat, b.lon)),
                  geo::DistanceKm(a.lat, a.lon, b.lat, b.lon), 1e-6)
          << a.lat << "," << a.lon << " to " << b.lat << "," << b.lon;
    }
  }
}

s::LibraryRecord Library(const std::string& id, Point p,
                         const std::string& province, const std::string& island,
                         const std::string& zone = "WIB") {
  s::LibraryRecord lib;
  lib.set_id(id);
  lib.set_name(id);
  lib.set_lat(p.lat);
  lib.set_lon(p.lon);
  lib.set_province(province);
  lib.set_island(island);
  lib.set_time_zone(zone);
  lib.set_status(s::LIBRARY_STATUS_ACTIVE);
  lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
  lib.mutable_policy()->add_services(s::SERVICE_TYPE_COPY);
  return lib;
}

s::LibraryRecord Jakarta() {
  return Library("jkt", kJakarta, "DKI Jakarta", "Jawa");
}
s::LibraryRecord Bandung() {
  return Library("bdg", kBandung, "Jawa Barat", "Jawa");
}
s::LibraryRecord TanjungPinang() {
  return Library("tpi", kTanjungPinang, "Kepulauan Riau", "Bintan");
}
s::LibraryRecord Tomohon() {
  return Library("tmh", kTomohon, "Sulawesi Utara", "Sulawesi", "WITA");
}

// What a test edits; Route() turns it into the views routing reads.
struct TestHolder {
  s::LibraryRecord library;
  std::vector<s::HoldingRecord> items;
  int64_t loans_out = 0;
  int64_t open_queue = 0;
};

struct Scenario {
  std::vector<s::PartnershipRecord> partnerships;
  std::vector<TestHolder> holders;
  std::set<std::string> tried;
  absl::Time now;
  s::LibraryRecord pickup;
};

Rota Route(const Scenario& sc, const s::RequestRecord& request,
           const s::LibraryRecord& borrower) {
  auto borrower_view = LibraryView::Make(borrower);
  auto pickup_view = LibraryView::Make(sc.pickup);
  RoutingInput in;
  in.request = &request;
  in.borrower = borrower_view.get();
  in.pickup = pickup_view.get();
  in.now = sc.now;
  in.tried = sc.tried;
  for (const auto& p : sc.partnerships) {
    in.partnerships.push_back(PartnershipView::Make(p));
  }
  std::vector<std::shared_ptr<const LibraryView>> views;
  for (const TestHolder& t : sc.holders) {
    Holder h;
    // Memberships from the partnerships' lists.
    views.push_back(LibraryView::Make(t.library));
    h.library = views.back().get();
    // The best copy, as Directory::TitleHoldersOf summarizes the items.
    for (size_t i = 0; i < t.items.size(); ++i) {
      h.availability = i == 0 ? t.items[i].availability()
                              : BetterCopy(h.availability,
                                           t.items[i].availability());
    }
    h.loans_out = t.loans_out;
    h.open_queue = t.open_queue;
    in.holders.push_back(std::move(h));
  }
  return BuildRota(in, RoutingWeights());
}

TestHolder MakeHolder(s::LibraryRecord lib,
                      s::Availability availability = s::AVAILABILITY_ON_SHELF) {
  TestHolder h;
  s::HoldingRecord item;
  item.set_library_id(lib.id());
  item.set_title_key("isbn:9786020332956");
  item.set_item_id(lib.id() + "-1");
  item.set_availability(availability);
  h.items.push_back(item);
  h.library = std::move(lib);
  return h;
}

s::PartnershipRecord Partnership(const std::string& id,
                                 std::vector<std::string> members,
                                 int tier = 2) {
  s::PartnershipRecord p;
  p.set_id(id);
  for (auto& m : members) p.add_member_ids(m);
  p.set_valid_from("2024-01-01");
  p.set_valid_until("2026-12-31");
  p.set_tier(tier);
  return p;
}

// A loan request from Jakarta on Wednesday 2024-03-06, 10:00 WIB, with
// every library in one national partnership.
class RoutingTest : public ::testing::Test {
 protected:
  RoutingTest() {
    request_.set_id(1);
    request_.set_borrower_library_id("jkt");
    request_.set_pickup_library_id("jkt");
    request_.set_title_key("isbn:9786020332956");
    request_.set_service_type(s::SERVICE_TYPE_LOAN);
    request_.set_material_type(s::MATERIAL_TYPE_BOOK);
    borrower_ = Jakarta();
    input_.pickup = borrower_;
    input_.now = absl::FromCivil(absl::CivilSecond(2024, 3, 6, 10, 0, 0),
                                 absl::FixedTimeZone(7 * 3600));
    input_.partnerships.push_back(Partnership(
        "p-nasional", {"jkt", "bdg", "tpi", "tmh", "lib-a", "lib-b", "jyp"}));
  }

  Rota Build() { return Route(input_, request_, borrower_); }

  std::vector<std::string> RankedIds(const Rota& rota) {
    std::vector<std::string> ids;
    for (const auto& e : rota.ranked) ids.push_back(e.library_id());
    return ids;
  }

  s::RequestRecord request_;
  s::LibraryRecord borrower_;
  Scenario input_;
};

struct FilterCase {
  const char* name;
  std::function<void(Scenario&, s::RequestRecord&, TestHolder&)> setup;
  const char* phrase;
};

TEST_F(RoutingTest, HardFilters) {
  const FilterCase cases[] = {
      {"self",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         h = MakeHolder(Jakarta());
       },
       "borrowing library holds it"},
      {"suspended",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         h.library.set_status(s::LIBRARY_STATUS_SUSPENDED);
       },
       "suspended"},
      {"closed today",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         auto* c = h.library.add_closures();
         c->set_from_date("2024-03-04");
         c->set_to_date("2024-03-08");
         c->set_reason("stock-taking");
       },
       "closed 2024-03-04 to 2024-03-08 (stock-taking)"},
      {"no partnership",
       [](Scenario& in, s::RequestRecord&, TestHolder&) {
         in.partnerships = {Partnership("p-kota", {"jkt", "tpi"})};
       },
       "no partnership with jkt"},
      {"no partnerships at all",
       [](Scenario& in, s::RequestRecord&, TestHolder&) {
         in.partnerships.clear();
       },
       "no partnership with jkt"},
      {"expired partnership",
       [](Scenario& in, s::RequestRecord&, TestHolder&) {
         in.partnerships[0].set_id("p-lama");
         in.partnerships[0].set_valid_from("2021-01-01");
         in.partnerships[0].set_valid_until("2023-12-31");
       },
       "partnership p-lama expired on 2023-12-31"},
      {"partnership not yet valid",
       [](Scenario& in, s::RequestRecord&, TestHolder&) {
         in.partnerships[0].set_valid_from("2024-04-01");
       },
       "partnership p-nasional starts 2024-04-01"},
      {"partnership excludes service",
       [](Scenario& in, s::RequestRecord& r, TestHolder&) {
         r.set_service_type(s::SERVICE_TYPE_COPY);
         in.partnerships[0].add_services(s::SERVICE_TYPE_LOAN);
       },
       "partnership p-nasional does not cover copy"},
      {"partnership excludes material",
       [](Scenario& in, s::RequestRecord& r, TestHolder&) {
         r.set_material_type(s::MATERIAL_TYPE_MAP);
         in.partnerships[0].add_material_types(s::MATERIAL_TYPE_BOOK);
       },
       "partnership p-nasional does not cover MAP"},
      {"policy excludes service",
       [](Scenario&, s::RequestRecord& r, TestHolder& h) {
         r.set_service_type(s::SERVICE_TYPE_COPY);
         h.library.mutable_policy()->clear_services();
         h.library.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
       },
       "policy: does not lend by copy"},
      {"policy lends nothing",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         h.library.mutable_policy()->clear_services();
       },
       "policy: does not lend by loan"},
      {"policy excludes material",
       [](Scenario&, s::RequestRecord& r, TestHolder& h) {
         r.set_material_type(s::MATERIAL_TYPE_SERIAL);
         h.library.mutable_policy()->add_material_types(s::MATERIAL_TYPE_BOOK);
       },
       "policy: does not lend SERIAL"},
      {"max concurrent loans",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         h.library.mutable_policy()->set_max_concurrent_loans(5);
         h.loans_out = 5;
       },
       "at its limit of 5 concurrent loans"},
      {"all items not for loan",
       [](Scenario&, s::RequestRecord&, TestHolder& h) {
         h.items[0].set_availability(s::AVAILABILITY_NOT_FOR_LOAN);
         s::HoldingRecord gone = h.items[0];
         gone.set_item_id("bdg-2");
         gone.set_availability(s::AVAILABILITY_WITHDRAWN);
         h.items.push_back(gone);
       },
       "no copy that may be lent"},
      {"already tried",
       [](Scenario& in, s::RequestRecord&, TestHolder&) {
         in.tried.insert("bdg");
       },
       "already tried for this request"},
  };
  for (const FilterCase& c : cases) {
    SCOPED_TRACE(c.name);
    Scenario in = input_;
    s::RequestRecord req = request_;
    TestHolder h = MakeHolder(Bandung());
    c.setup(in, req, h);
    in.holders = {h};
    Rota rota = Route(in, req, borrower_);
    EXPECT_TRUE(rota.ranked.empty());
    ASSERT_EQ(rota.filtered.size(), 1u);
    EXPECT_EQ(rota.filtered[0].library_id(), h.library.id());
    EXPECT_THAT(ExplainFiltered(rota.filtered[0], req), HasSubstr(c.phrase));
  }
}

TEST_F(RoutingTest, BaselinePassesEveryFilter) {
  // The baseline the filter cases start from is itself eligible, so each
  // case above is filtered by its own change alone.
  input_.holders = {MakeHolder(Bandung())};
  Rota rota = Build();
  EXPECT_TRUE(rota.filtered.empty());
  ASSERT_THAT(RankedIds(rota), ElementsAre("bdg"));
  EXPECT_EQ(rota.ranked[0].rank(), 1);
  EXPECT_EQ(rota.ranked[0].partnership_id(), "p-nasional");
  EXPECT_NEAR(rota.ranked[0].distance_km(), 115, 10);
  EXPECT_THAT(ExplainRanked(rota.ranked[0]), HasSubstr("on shelf"));
  EXPECT_THAT(ExplainRanked(rota.ranked[0]), HasSubstr("inter-province"));
}

// A stored request rewrites its rota on every transition, and sentences
// were over half its bytes: entries keep figures and reason codes, and
// ExplainRanked / ExplainFiltered word them on read.
TEST_F(RoutingTest, EntriesStoreFiguresAndReasonCodesNotSentences) {
  TestHolder bandung = MakeHolder(Bandung());
  bandung.loans_out = 2;
  bandung.open_queue = 1;
  s::LibraryRecord jayapura =
      Library("jyp", {-2.5337, 140.7181}, "Papua", "Papua", "WIT");
  jayapura.set_status(s::LIBRARY_STATUS_SUSPENDED);
  input_.holders = {bandung, MakeHolder(jayapura)};
  Rota rota = Build();

  ASSERT_EQ(rota.ranked.size(), 1u);
  const s::RotaEntryRecord& ranked = rota.ranked[0];
  EXPECT_THAT(ranked.explanation(), IsEmpty());
  ASSERT_TRUE(ranked.has_facts());
  EXPECT_EQ(ranked.facts().availability(), s::AVAILABILITY_ON_SHELF);
  EXPECT_TRUE(ranked.facts().inter_province());
  EXPECT_FALSE(ranked.facts().inter_island());
  EXPECT_EQ(ranked.facts().loans_out(), 2);
  EXPECT_EQ(ranked.facts().open_queue(), 1);
  EXPECT_EQ(ExplainRanked(ranked),
            absl::StrFormat("on shelf; %.0f km, inter-province; partnership "
                            "p-nasional (tier %d); 2 out, 1 queued; filled 0 "
                            "of 0",
                            ranked.distance_km(), ranked.facts().tier()));

  ASSERT_EQ(rota.filtered.size(), 1u);
  const s::RotaEntryRecord& filtered = rota.filtered[0];
  EXPECT_THAT(filtered.filtered_reason(), IsEmpty());
  EXPECT_EQ(filtered.filter(), s::FILTER_REASON_SUSPENDED);
  EXPECT_EQ(ExplainFiltered(filtered, request_), "suspended");
}

// A REREQUEST may ask for a copy instead of a loan, and the rota of the
// earlier routing stays until a new one is planned: a reason about the
// service must keep naming the one it was filtered for.
TEST_F(RoutingTest, ServiceReasonsKeepTheServiceTheyWereFilteredFor) {
  TestHolder copies_only = MakeHolder(Bandung());
  copies_only.library.mutable_policy()->clear_services();
  copies_only.library.mutable_policy()->add_services(s::SERVICE_TYPE_COPY);
  input_.holders = {copies_only};
  Rota rota = Build();
  ASSERT_EQ(rota.filtered.size(), 1u);
  EXPECT_EQ(rota.filtered[0].filter(), s::FILTER_REASON_NO_SERVICE);

  s::RequestRecord as_copy = request_;
  as_copy.set_service_type(s::SERVICE_TYPE_COPY);
  EXPECT_EQ(ExplainFiltered(rota.filtered[0], as_copy),
            "policy: does not lend by loan");
}

TEST_F(RoutingTest, ClosedTodayInItsOwnTimeZone) {
  // 23:30 WIB on Wednesday 6 March is already Thursday 01:30 in WIT.
  input_.now = absl::FromCivil(absl::CivilSecond(2024, 3, 6, 23, 30, 0),
                               absl::FixedTimeZone(7 * 3600));
  auto closed_thursday = [](s::LibraryRecord lib) {
    auto* c = lib.add_closures();
    c->set_from_date("2024-03-07");
    c->set_to_date("2024-03-07");
    return lib;
  };
  s::LibraryRecord jayapura = closed_thursday(
      Library("jyp", {-2.5337, 140.7181}, "Papua", "Papua", "WIT"));
  s::LibraryRecord bandung = closed_thursday(Bandung());
  input_.holders = {MakeHolder(jayapura), MakeHolder(bandung)};
  Rota rota = Build();
  EXPECT_THAT(RankedIds(rota), ElementsAre("bdg"));
  ASSERT_EQ(rota.filtered.size(), 1u);
  EXPECT_EQ(rota.filtered[0].library_id(), "jyp");
  EXPECT_THAT(ExplainFiltered(rota.filtered[0], request_),
              HasSubstr("closed 2024-03-07 to 2024-03-07"));
}

TEST_F(RoutingTest, ExpiredPartnershipDoesNotHideAValidOne) {
  s::PartnershipRecord old = Partnership("p-lama", {"jkt", "bdg"}, 1);
  old.set_valid_until("2023-12-31");
  input_.partnerships.push_back(old);
  input_.holders = {MakeHolder(Bandung())};
  Rota rota = Build();
  ASSERT_THAT(RankedIds(rota), ElementsAre("bdg"));
  EXPECT_EQ(rota.ranked[0].partnership_id(), "p-nasional");
}

TEST_F(RoutingTest, LowestTierPartnershipIsUsed) {
  input_.partnerships.push_back(Partnership("p-jawa", {"jkt", "bdg"}, 1));
  input_.holders = {MakeHolder(Bandung())};
  Rota rota = Build();
  ASSERT_THAT(RankedIds(rota), ElementsAre("bdg"));
  EXPECT_EQ(rota.ranked[0].partnership_id(), "p-jawa");
  EXPECT_DOUBLE_EQ(rota.ranked[0].tier(), 1.0);
}

TEST_F(RoutingTest, OnShelfBeatsOnLoan) {
  // Bandung is far nearer, but its copy is out; Tanjung Pinang's is on the
  // shelf across the sea.
  input_.holders = {MakeHolder(Bandung(), s::AVAILABILITY_ON_LOAN),
                    MakeHolder(TanjungPinang(), s::AVAILABILITY_ON_SHELF)};
  Rota rota = Build();
  EXPECT_THAT(RankedIds(rota), ElementsAre("tpi", "bdg"));
  EXPECT_DOUBLE_EQ(rota.ranked[0].availability(), 1.0);
  EXPECT_DOUBLE_EQ(rota.ranked[1].availability(), 0.2);
  EXPECT_THAT(ExplainRanked(rota.ranked[1]), HasSubstr("on loan"));
  EXPECT_THAT(ExplainRanked(rota.ranked[0]), HasSubstr("inter-island"));
}

TEST_F(RoutingTest, BestItemCountsForAvailability) {
  TestHolder h = MakeHolder(Bandung(), s::AVAILABILITY_ON_LOAN);
  s::HoldingRecord second = h.items[0];
  second.set_item_id("bdg-2");
  second.set_availability(s::AVAILABILITY_ON_SHELF);
  h.items.push_back(second);
  input_.holders = {h};
  Rota rota = Build();
  ASSERT_EQ(rota.ranked.size(), 1u);
  EXPECT_DOUBLE_EQ(rota.ranked[0].availability(), 1.0);
}

TEST_F(RoutingTest, NearerBeatsFartherAtEqualAvailability) {
  input_.holders = {MakeHolder(Tomohon()), MakeHolder(TanjungPinang()),
                    MakeHolder(Bandung())};
  Rota rota = Build();
  EXPECT_THAT(RankedIds(rota), ElementsAre("bdg", "tpi", "tmh"));
  EXPECT_NEAR(
      rota.ranked[2].distance_km(),
      geo::DistanceKm(kJakarta.lat, kJakarta.lon, kTomohon.lat, kTomohon.lon),
      1e-6);
  EXPECT_GT(rota.ranked[0].score(), rota.ranked[1].score());
  EXPECT_GT(rota.ranked[1].score(), rota.ranked[2].score());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rota.ranked[i].rank(), i + 1);
}

TEST_F(RoutingTest, DistanceIsToThePickupLibrary) {
  // Borrowed by Jakarta, picked up in Tanjung Pinang: the Tanjung Pinang
  // holder is now the nearer one.
  s::LibraryRecord pickup = TanjungPinang();
  pickup.set_id("tpi-pickup");
  input_.pickup = pickup;
  input_.holders = {MakeHolder(Bandung()), MakeHolder(TanjungPinang())};
  Rota rota = Build();
  ASSERT_THAT(RankedIds(rota), ElementsAre("tpi", "bdg"));
  EXPECT_NEAR(rota.ranked[0].distance_km(), 0, 1e-6);
  EXPECT_NEAR(rota.ranked[1].distance_km(),
              geo::DistanceKm(kBandung.lat, kBandung.lon, kTanjungPinang.lat,
                              kTanjungPinang.lon),
              1e-6);
}

TEST_F(RoutingTest, LenderOfLastResortGoesLast) {
  s::LibraryRecord bandung = Bandung();
  bandung.set_lender_of_last_resort(true);
  input_.holders = {MakeHolder(bandung), MakeHolder(Tomohon()),
                    MakeHolder(TanjungPinang(), s::AVAILABILITY_ON_LOAN)};
  Rota rota = Build();
  // Bandung scores best of all (nearest, on the shelf) and still goes last.
  EXPECT_THAT(RankedIds(rota), ElementsAre("tmh", "tpi", "bdg"));
  EXPECT_TRUE(rota.ranked[2].last_resort());
  EXPECT_GT(rota.ranked[2].score(), rota.ranked[0].score());
  EXPECT_GT(rota.ranked[2].score(), rota.ranked[1].score());
  EXPECT_THAT(ExplainRanked(rota.ranked[2]),
              HasSubstr("lender of last resort"));
}

TEST_F(RoutingTest, TiesBreakOnLibraryIdWhateverTheInputOrder) {
  // Two branches in the same building: identical scores and distances.
  s::LibraryRecord a = Bandung();
  a.set_id("lib-a");
  s::LibraryRecord b = Bandung();
  b.set_id("lib-b");
  input_.holders = {MakeHolder(b), MakeHolder(a)};
  Rota first = Build();
  input_.holders = {MakeHolder(a), MakeHolder(b)};
  Rota second = Build();
  EXPECT_THAT(RankedIds(first), ElementsAre("lib-a", "lib-b"));
  EXPECT_THAT(RankedIds(second), ElementsAre("lib-a", "lib-b"));
  EXPECT_DOUBLE_EQ(first.ranked[0].score(), first.ranked[1].score());
}

TEST_F(RoutingTest, FilteredSortedByIdAndRankedUnaffected) {
  s::LibraryRecord suspended = TanjungPinang();
  suspended.set_status(s::LIBRARY_STATUS_SUSPENDED);
  input_.holders = {MakeHolder(suspended), MakeHolder(Tomohon()),
                    MakeHolder(Jakarta()), MakeHolder(Bandung())};
  input_.tried = {"tmh"};
  Rota rota = Build();
  EXPECT_THAT(RankedIds(rota), ElementsAre("bdg"));
  std::vector<std::string> filtered;
  for (const auto& e : rota.filtered) filtered.push_back(e.library_id());
  EXPECT_THAT(filtered, ElementsAre("jkt", "tmh", "tpi"));
}

TEST_F(RoutingTest, LoadPushesBusyLendersDown) {
  s::LibraryRecord a = Bandung();
  a.set_id("lib-a");
  s::LibraryRecord b = Bandung();
  b.set_id("lib-b");
  TestHolder busy = MakeHolder(a);
  busy.open_queue = 10;
  input_.holders = {busy, MakeHolder(b)};
  Rota rota = Build();
  EXPECT_THAT(RankedIds(rota), ElementsAre("lib-b", "lib-a"));
  EXPECT_LT(rota.ranked[1].load(), rota.ranked[0].load());
}

// The loan limit needs the lender's live counters, so it is checked after
// the partnership: a library that may not lend to the borrower at all is
// filtered for that, whatever its loans out.
TEST_F(RoutingTest, NoPartnershipComesBeforeTheLoanLimit) {
  s::LibraryRecord busy = Bandung();
  busy.set_id("bdg-outside");
  busy.mutable_policy()->set_max_concurrent_loans(1);
  TestHolder h = MakeHolder(busy);
  h.loans_out = 1;
  input_.holders = {h};
  Rota rota = Build();
  ASSERT_EQ(rota.filtered.size(), 1u);
  EXPECT_EQ(rota.filtered[0].filter(), s::FILTER_REASON_NO_PARTNERSHIP);
  EXPECT_EQ(ExplainFiltered(rota.filtered[0], request_),
            "no partnership with jkt");
}

TEST(PartnershipViewTest, MemberBitsMatchTheMemberList) {
  auto p = PartnershipView::Make(Partnership("p-bits", {"bits-a", "bits-c"}));
  EXPECT_TRUE(p->HasMember(LibraryNumber("bits-a")));
  EXPECT_FALSE(p->HasMember(LibraryNumber("bits-b")));
  EXPECT_TRUE(p->HasMember(LibraryNumber("bits-c")));
  EXPECT_FALSE(p->HasMember(LibraryNumbersInUse() + 1000));  // past the bits
  std::vector<std::shared_ptr<const PartnershipView>> borrowers = {p};
  EXPECT_TRUE(SharesPartnership(borrowers, LibraryNumber("bits-c")));
  EXPECT_FALSE(SharesPartnership(borrowers, LibraryNumber("bits-b")));
}

TEST(PartnershipViewTest, OutsidersAreSortedOutOnlyWhenMostAreLikelyOutside) {
  for (int i = 0; i < 10; ++i) LibraryNumber(absl::StrFormat("known-%d", i));
  auto few = PartnershipView::Make(Partnership("p-few", {"few-a", "few-b"}));
  EXPECT_TRUE(WorthSortingOutOutsiders({few}));  // 2 of at least 12
  // One partnership listing more members than every number handed out
  // before it: it holds over half of the libraries known.
  std::vector<std::string> members;
  const uint32_t known = LibraryNumbersInUse();
  for (uint32_t i = 0; i <= known; ++i) {
    members.push_back(absl::StrFormat("most-%d", i));
  }
  auto most = PartnershipView::Make(Partnership("p-most", members));
  EXPECT_FALSE(WorthSortingOutOutsiders({most}));
  EXPECT_FALSE(WorthSortingOutOutsiders({few, most}));
}

// The engine passes holders that share no partnership with the borrower
// apart, as outsiders, and reads neither their counters nor (beyond the
// few it lists) their views. On random networks, that gives exactly the
// rota they would give as holders: the same lenders in the same order,
// the same filtered libraries listed with the same reasons, the same
// counts.
TEST(RoutingOutsidersTest, GiveTheSameRotaAsHolders) {
  const Point places[] = {kJakarta, kBandung, kTanjungPinang, kTomohon};
  std::mt19937 rng(20261121);
  auto one_in = [&](int n) { return rng() % n == 0; };
  const absl::Time now = absl::FromCivil(
      absl::CivilSecond(2024, 3, 6, 10, 0, 0), absl::FixedTimeZone(7 * 3600));
  for (int round = 0; round < 60; ++round) {
    SCOPED_TRACE(round);
    s::RequestRecord req;
    req.set_id(round + 1);
    req.set_borrower_library_id("out-00");
    req.set_service_type(one_in(4) ? s::SERVICE_TYPE_COPY
                                   : s::SERVICE_TYPE_LOAN);
    req.set_material_type(one_in(3) ? s::MATERIAL_TYPE_SERIAL
                                    : s::MATERIAL_TYPE_BOOK);
    std::vector<std::shared_ptr<const LibraryView>> views;
    std::vector<s::Availability> best;
    std::vector<int64_t> loans_out;
    for (int i = 0; i < 60; ++i) {
      const Point at = places[rng() % 4];
      s::LibraryRecord lib =
          Library(absl::StrFormat("out-%02d", i),
                  {at.lat + (rng() % 100) / 1e3, at.lon},
                  absl::StrFormat("prov-%d", rng() % 3), "Jawa");
      if (one_in(10)) lib.set_status(s::LIBRARY_STATUS_SUSPENDED);
      if (one_in(10)) {
        auto* c = lib.add_closures();
        c->set_from_date("2024-03-04");
        c->set_to_date("2024-03-08");
      }
      if (one_in(8)) lib.mutable_policy()->clear_services();
      if (one_in(6)) {
        lib.mutable_policy()->add_material_types(s::MATERIAL_TYPE_BOOK);
      }
      if (one_in(4)) lib.mutable_policy()->set_max_concurrent_loans(2);
      lib.set_lender_of_last_resort(one_in(10));
      views.push_back(LibraryView::Make(lib));
      const s::Availability kinds[] = {
          s::AVAILABILITY_ON_SHELF, s::AVAILABILITY_ON_LOAN,
          s::AVAILABILITY_UNSPECIFIED, s::AVAILABILITY_NOT_FOR_LOAN};
      best.push_back(kinds[rng() % 4]);
      loans_out.push_back(rng() % 4);
    }
    RoutingInput all;
    all.request = &req;
    all.borrower = views[0].get();
    all.pickup = views[rng() % 3].get();
    all.now = now;
    for (int k = 0; k < 3; ++k) {
      std::vector<std::string> members;
      if (k < 2) members.push_back("out-00");  // the borrower's two
      for (int i = 1; i < 60; ++i) {
        if (one_in(5)) members.push_back(absl::StrFormat("out-%02d", i));
      }
      s::PartnershipRecord p =
          Partnership(absl::StrFormat("p-%d", k), members, 1 + k);
      if (one_in(5)) p.set_valid_until("2024-02-28");
      if (one_in(5)) p.add_services(s::SERVICE_TYPE_LOAN);
      if (k < 2) all.partnerships.push_back(PartnershipView::Make(p));
    }
    all.tried = {absl::StrFormat("out-%02d", rng() % 60),
                 absl::StrFormat("out-%02d", rng() % 60)};
    RoutingInput split = all;
    for (size_t i = 0; i < views.size(); ++i) {
      // The borrower holds a copy now and then.
      if (i == 0 && !one_in(3)) continue;
      Holder h;
      h.library = views[i].get();
      h.availability = best[i];
      h.loans_out = loans_out[i];
      all.holders.push_back(h);
      if (SharesPartnership(split.partnerships, views[i]->number)) {
        split.holders.push_back(h);
      } else {
        split.outsiders.push_back(views[i].get());  // ids in order
      }
    }
    std::shuffle(all.holders.begin(), all.holders.end(), rng);
    ASSERT_FALSE(split.outsiders.empty());
    RoutingWeights w;
    w.window = 1 + static_cast<int>(rng() % 8);
    w.filtered_window = static_cast<int>(rng() % 12);
    const Rota want = BuildRota(all, w);
    const Rota got = BuildRota(split, w);
    ASSERT_EQ(got.ranked.size(), want.ranked.size());
    for (size_t i = 0; i < want.ranked.size(); ++i) {
      EXPECT_EQ(got.ranked[i].library_id(), want.ranked[i].library_id());
      EXPECT_EQ(got.ranked[i].score(), want.ranked[i].score());
    }
    ASSERT_EQ(got.filtered.size(), want.filtered.size());
    for (size_t i = 0; i < want.filtered.size(); ++i) {
      EXPECT_EQ(got.filtered[i].DebugString(), want.filtered[i].DebugString());
    }
    EXPECT_EQ(got.unlisted_ranked, want.unlisted_ranked);
    EXPECT_EQ(got.unlisted_filtered, want.unlisted_filtered);
  }
}

}  // namespace
}  // namespace silang
