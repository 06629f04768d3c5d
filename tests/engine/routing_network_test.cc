// The routing test network: libraries at real Indonesian places, read at
// test time from ../shared/data/geo/id_places.csv, with partnerships at
// city, province and national tiers. Each case writes down the lender it
// expects (and, where it matters, the whole order) and checks it through
// RequestEngine::Submit (the first lender asked) or PlanRoute (the rota and
// the reasons of the filtered libraries).
//
// The network (place as spelled in the file, province picked by name where
// a place name repeats):
//
//   jkt    Jakarta          Jakarta         Jawa            WIB
//   bks    Bekasi           West Java       Jawa            WIB
//   dpk    Depok            West Java       Jawa            WIB
//   bgr    Bogor            West Java       Jawa            WIB
//   bdg    Bandung          West Java       Jawa            WIB
//   tpi    Tanjung Pinang   Riau Islands    Kepulauan Riau  WIB
//   sby    Surabaya         East Java       Jawa            WIB
//   mlg    Malang           East Java       Jawa            WIB
//   dps    Denpasar         Bali            Bali            WITA
//   mks    Makassar         South Sulawesi  Sulawesi        WITA
//   mks-1  Makassar         South Sulawesi  Sulawesi        WITA
//   mks-2  Makassar         South Sulawesi  Sulawesi        WITA
//   tmh    Tomohon          North Sulawesi  Sulawesi        WITA
//   mnd    Manado           North Sulawesi  Sulawesi        WITA
//   mdn    Medan            North Sumatra   Sumatra         WIB
//   bnj    Binjai           North Sumatra   Sumatra         WIB
//   jyp    Jayapura         Papua           Papua           WIT
//
// Partnerships (all valid 2024-01-01..2026-12-31 unless said):
//   tier 1 (city)      kota-jabodetabek  jkt dpk bgr (Bekasi has not signed)
//                      kota-manado-raya  mnd tmh
//                      kota-medan-binjai mdn bnj, EXPIRED 2023-12-31
//   tier 2 (province)  prov-jawa-barat   bks dpk bgr bdg
//                      prov-jawa-timur   sby mlg
//                      prov-sulsel       mks mks-1 mks-2
//   tier 3 (national)  nasional          everyone but bnj
//
// The clock starts on Wednesday 2024-03-06, 10:00 WIB.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/core.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wib.h"
#include "tools/bench/id_places.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kPlacesCsv =
    std::string(SILANG_SHARED_DATA) + "/geo/id_places.csv";

using testing::Wib;

struct Site {
  const char* id;
  const char* place;
  const char* province;
};

constexpr Site kSites[] = {
    {"jkt", "Jakarta", "Jakarta"},
    {"bks", "Bekasi", "West Java"},
    {"dpk", "Depok", "West Java"},
    {"bgr", "Bogor", "West Java"},
    {"bdg", "Bandung", "West Java"},
    {"tpi", "Tanjung Pinang", "Riau Islands"},
    {"sby", "Surabaya", "East Java"},
    {"mlg", "Malang", "East Java"},
    {"dps", "Denpasar", "Bali"},
    {"mks", "Makassar", "South Sulawesi"},
    {"mks-1", "Makassar", "South Sulawesi"},
    {"mks-2", "Makassar", "South Sulawesi"},
    {"tmh", "Tomohon", "North Sulawesi"},
    {"mnd", "Manado", "North Sulawesi"},
    {"mdn", "Medan", "North Sumatra"},
    {"bnj", "Binjai", "North Sumatra"},
    {"jyp", "Jayapura", "Papua"},
};

struct Agreement {
  const char* id;
  int tier;
  const char* from;
  const char* until;
  const char* members;  // space-separated; "*": every site but bnj
};

constexpr Agreement kAgreements[] = {
    {"kota-jabodetabek", 1, "2024-01-01", "2026-12-31", "jkt dpk bgr"},
    {"kota-manado-raya", 1, "2024-01-01", "2026-12-31", "mnd tmh"},
    {"kota-medan-binjai", 1, "2021-01-01", "2023-12-31", "mdn bnj"},
    {"prov-jawa-barat", 2, "2024-01-01", "2026-12-31", "bks dpk bgr bdg"},
    {"prov-jawa-timur", 2, "2024-01-01", "2026-12-31", "sby mlg"},
    {"prov-sulsel", 2, "2024-01-01", "2026-12-31", "mks mks-1 mks-2"},
    {"nasional", 3, "2024-01-01", "2026-12-31", "*"},
};

// Puts the network into the directory; reversed inserts libraries,
// partnership members and partnerships in the opposite order.
void BuildNetwork(Directory& directory,
                  const std::vector<places::Place>& all_places, bool reversed) {
  std::vector<LibraryRecord> libraries;
  for (const Site& site : kSites) {
    const places::Place* p =
        places::FindPlace(all_places, site.place, site.province);
    ASSERT_NE(p, nullptr) << site.place << ", " << site.province;
    LibraryRecord lib;
    lib.set_id(site.id);
    lib.set_name("Perpustakaan " + p->name + " (" + site.id + ")");
    lib.set_lat(p->lat);
    lib.set_lon(p->lon);
    lib.set_province(p->province);
    lib.set_regency(p->regency);
    lib.set_island(places::IslandOf(p->province));
    lib.set_time_zone(places::TimeZoneOf(p->province, p->lon));
    lib.set_status(s::LIBRARY_STATUS_ACTIVE);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_LOAN);
    lib.mutable_policy()->add_services(s::SERVICE_TYPE_COPY);
    libraries.push_back(std::move(lib));
  }
  if (reversed) std::reverse(libraries.begin(), libraries.end());
  for (const LibraryRecord& lib : libraries) {
    auto put = directory.PutLibrary(lib, 0);
    ASSERT_TRUE(put.ok()) << put.status();
  }
  std::vector<PartnershipRecord> partnerships;
  for (const Agreement& a : kAgreements) {
    PartnershipRecord p;
    p.set_id(a.id);
    p.set_name(std::string("Perjanjian ") + a.id);
    p.set_tier(a.tier);
    p.set_valid_from(a.from);
    p.set_valid_until(a.until);
    p.set_terms(s::PARTNERSHIP_TERMS_RECIPROCAL);
    std::vector<std::string> members;
    if (std::string(a.members) == "*") {
      for (const Site& site : kSites) {
        if (std::string(site.id) != "bnj") members.push_back(site.id);
      }
    } else {
      members = absl::StrSplit(a.members, ' ');
    }
    if (reversed) std::reverse(members.begin(), members.end());
    for (const auto& m : members) p.add_member_ids(m);
    partnerships.push_back(std::move(p));
  }
  if (reversed) std::reverse(partnerships.begin(), partnerships.end());
  for (const PartnershipRecord& p : partnerships) {
    auto put = directory.PutPartnership(p, 0);
    ASSERT_TRUE(put.ok()) << put.status();
  }
}

void AddHolding(Directory& directory, const std::string& lib,
                const std::string& title,
                s::Availability availability = s::AVAILABILITY_ON_SHELF) {
  HoldingRecord h;
  h.set_title_key(title);
  h.set_item_id(lib + "-" + title.substr(4));
  h.set_availability(availability);
  if (availability == s::AVAILABILITY_ON_LOAN) {
    h.set_available_from_us(absl::ToUnixMicros(Wib(2024, 4, 1)));
  }
  auto put = directory.PutHoldings(lib, {h}, false);
  ASSERT_TRUE(put.ok()) << put.status();
}

RequestRecord Request(const std::string& borrower, const std::string& title,
                      s::ServiceType service = s::SERVICE_TYPE_LOAN) {
  RequestRecord r;
  r.set_borrower_library_id(borrower);
  r.set_pickup_library_id(borrower);
  r.set_patron_ref("P-000123");
  r.set_title_key(title);
  r.mutable_bib()->set_title("Laskar Pelangi");
  r.set_service_type(service);
  r.set_service_level(s::SERVICE_LEVEL_NORMAL);
  return r;
}

std::vector<std::string> RankedIds(const Rota& rota) {
  std::vector<std::string> out;
  for (const auto& e : rota.ranked) out.push_back(e.library_id());
  return out;
}

std::vector<std::string> FilteredIds(const Rota& rota) {
  std::vector<std::string> out;
  for (const auto& e : rota.filtered) out.push_back(e.library_id());
  return out;
}

const s::RotaEntryRecord* Entry(const std::vector<s::RotaEntryRecord>& list,
                                const std::string& id) {
  for (const auto& e : list) {
    if (e.library_id() == id) return &e;
  }
  return nullptr;
}

std::vector<places::Place> LoadPlaces() {
  auto places = places::ReadIdPlaces(kPlacesCsv);
  EXPECT_TRUE(places.ok()) << places.status();
  return places.ok() ? *std::move(places) : std::vector<places::Place>();
}

class RoutingNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    places_ = LoadPlaces();
    ASSERT_EQ(places_.size(), 2061u);
    auto core = Core::Open(tmp_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
    ASSERT_NO_FATAL_FAILURE(BuildNetwork(directory(), places_, false));
  }

  RequestEngine& engine() { return *core_->requests; }
  Directory& directory() { return *core_->directory; }

  void Hold(const std::string& lib, const std::string& title,
            s::Availability availability = s::AVAILABILITY_ON_SHELF) {
    ASSERT_NO_FATAL_FAILURE(AddHolding(directory(), lib, title, availability));
  }

  // Changes a library in place.
  template <typename Fn>
  void Update(const std::string& id, Fn&& fn) {
    auto lib = directory().GetLibrary(id);
    ASSERT_TRUE(lib.ok()) << lib.status();
    LibraryRecord changed = *lib;
    fn(changed);
    auto put = directory().PutLibrary(changed, lib->version());
    ASSERT_TRUE(put.ok()) << put.status();
  }

  // The rota routing would build now. Tests plan before they submit: a
  // submitted request waits in its first lender's queue, and a queued
  // request counts against that lender (load and fill rate).
  Rota Plan(const std::string& borrower, const std::string& title) {
    auto plan = engine().PlanRoute(Request(borrower, title));
    EXPECT_TRUE(plan.ok()) << plan.status();
    if (!plan.ok()) return Rota();
    EXPECT_FALSE(plan->no_holdings);
    return plan->rota;
  }

  // Submits; returns the request as routed (first lender asked).
  RequestRecord Submit(const std::string& borrower, const std::string& title,
                       s::ServiceType service = s::SERVICE_TYPE_LOAN) {
    SubmitCommand cmd;
    cmd.idempotency_key = "k-" + std::to_string(++submitted_);
    cmd.payload = Request(borrower, title, service);
    auto res = engine().Submit(cmd);
    EXPECT_TRUE(res.ok()) << res.status();
    return res.ok() ? res->request : RequestRecord();
  }

  RequestRecord MustAct(uint64_t id, const std::string& actor, Action action) {
    auto current = engine().Get(id);
    EXPECT_TRUE(current.ok()) << current.status();
    if (!current.ok()) return RequestRecord();
    ActCommand cmd;
    cmd.request_id = id;
    cmd.expected_version = current->version();
    cmd.actor_library_id = actor;
    cmd.action = action;
    auto r = engine().Act(cmd);
    EXPECT_TRUE(r.ok()) << fsm::ActionName(action) << " by " << actor << ": "
                        << r.status();
    return r.ok() ? *r : RequestRecord();
  }

  // borrower asks for a title only lender holds; lender ships, borrower
  // receives. For a loan the item stays out (RECEIVED).
  void Lend(const std::string& lender, const std::string& borrower,
            const std::string& title, s::ServiceType service) {
    RequestRecord r = Submit(borrower, title, service);
    ASSERT_EQ(r.current_lender_id(), lender) << title;
    ASSERT_EQ(MustAct(r.id(), lender, s::ACTION_SHIP).state(),
              s::STATE_SHIPPED);
    ASSERT_EQ(MustAct(r.id(), borrower, s::ACTION_RECEIVE).state(),
              service == s::SERVICE_TYPE_COPY ? s::STATE_COMPLETE
                                              : s::STATE_RECEIVED);
  }

  testing::TempDir tmp_{"routing-network"};
  FakeClock clock_{Wib(2024, 3, 6, 10)};
  std::vector<places::Place> places_;
  std::unique_ptr<Core> core_;
  int submitted_ = 0;
};

// --- The data itself ---------------------------------------------------

TEST(IdPlacesTest, EveryProvinceHasAnIslandAndATimeZone) {
  std::vector<places::Place> all = LoadPlaces();
  ASSERT_EQ(all.size(), 2061u);
  int unnamed = 0;
  for (const places::Place& p : all) {
    if (p.province.empty()) {
      ++unnamed;
      continue;
    }
    EXPECT_NE(places::IslandOf(p.province), "") << p.province;
  }
  EXPECT_EQ(unnamed, 1);  // Muarajawa carries admin1 code 00 only
  EXPECT_EQ(places::TimeZoneOf("Jakarta", 106.8), "WIB");
  EXPECT_EQ(places::TimeZoneOf("Bali", 115.2), "WITA");
  EXPECT_EQ(places::TimeZoneOf("Papua", 140.7), "WIT");
  EXPECT_EQ(places::TimeZoneOf("", 117.3), "WITA");
}

TEST(IdPlacesTest, BandungIsPickedByProvince) {
  std::vector<places::Place> all = LoadPlaces();
  const places::Place* west = places::FindPlace(all, "Bandung", "West Java");
  const places::Place* east = places::FindPlace(all, "Bandung", "East Java");
  ASSERT_NE(west, nullptr);
  ASSERT_NE(east, nullptr);
  EXPECT_DOUBLE_EQ(west->lat, -6.92222);
  EXPECT_DOUBLE_EQ(west->lon, 107.60694);
  EXPECT_NE(east->lat, west->lat);
  const places::Place* tpi =
      places::FindPlace(all, "Tanjung Pinang", "Riau Islands");
  ASSERT_NE(tpi, nullptr);
  EXPECT_DOUBLE_EQ(tpi->lat, 0.91667);
  EXPECT_DOUBLE_EQ(tpi->lon, 104.45833);
}

// --- Distances ------------------------------------------------------------

// The figures of ../shared/data/README.md, through the rota.
TEST_F(RoutingNetworkTest, GreatCircleFiguresOfTheDataReadme) {
  Hold("tpi", "rec:gc-1");
  Rota to_tomohon = Plan("tmh", "rec:gc-1");
  ASSERT_THAT(RankedIds(to_tomohon), ElementsAre("tpi"));
  EXPECT_NEAR(to_tomohon.ranked[0].distance_km(), 2262, 1.0);

  Hold("bdg", "rec:gc-2");
  Rota to_jakarta = Plan("jkt", "rec:gc-2");
  ASSERT_THAT(RankedIds(to_jakarta), ElementsAre("bdg"));
  EXPECT_NEAR(to_jakarta.ranked[0].distance_km(), 115, 1.0);
}

// Expected: bdg (115 km), sby (662 km), mlg (668 km). All on Java, all
// national tier and inter-province from Jakarta: distance alone decides.
TEST_F(RoutingNetworkTest, NearestOnShelfLenderWinsWithinAnIsland) {
  for (const char* lib : {"mlg", "sby", "bdg"}) Hold(lib, "rec:near");
  Rota rota = Plan("jkt", "rec:near");
  EXPECT_EQ(Submit("jkt", "rec:near").current_lender_id(), "bdg");
  EXPECT_THAT(RankedIds(rota), ElementsAre("bdg", "sby", "mlg"));
  EXPECT_THAT(rota.filtered, IsEmpty());
}

// Expected: bdg before tpi for Jakarta, and for Surabaya jkt (662 km, same
// island) before dps (313 km, across the Bali Strait): the 600 km island
// crossing outweighs the 349 km.
TEST_F(RoutingNetworkTest, CrossingIslandsCosts) {
  Hold("tpi", "rec:island");
  Hold("bdg", "rec:island");
  Rota from_jakarta = Plan("jkt", "rec:island");
  EXPECT_EQ(Submit("jkt", "rec:island").current_lender_id(), "bdg");
  EXPECT_THAT(RankedIds(from_jakarta), ElementsAre("bdg", "tpi"));
  EXPECT_THAT(ExplainRanked(from_jakarta.ranked[1]), HasSubstr("inter-island"));

  Hold("dps", "rec:strait");
  Hold("jkt", "rec:strait");
  Rota from_surabaya = Plan("sby", "rec:strait");
  EXPECT_EQ(Submit("sby", "rec:strait").current_lender_id(), "jkt");
  ASSERT_THAT(RankedIds(from_surabaya), ElementsAre("jkt", "dps"));
  EXPECT_LT(from_surabaya.ranked[1].distance_km(),
            from_surabaya.ranked[0].distance_km());
  EXPECT_NEAR(from_surabaya.ranked[1].distance_km(), 313, 2);
  EXPECT_THAT(ExplainRanked(from_surabaya.ranked[1]),
              HasSubstr("inter-island"));
  EXPECT_THAT(ExplainRanked(from_surabaya.ranked[0]),
              HasSubstr("inter-province"));
}

// Expected: sby (on the shelf, 662 km) before bdg (on loan, 115 km).
TEST_F(RoutingNetworkTest, OnShelfBeatsOnLoanEvenWhenFarther) {
  Hold("bdg", "rec:shelf", s::AVAILABILITY_ON_LOAN);
  Hold("sby", "rec:shelf");
  Rota rota = Plan("jkt", "rec:shelf");
  EXPECT_EQ(Submit("jkt", "rec:shelf").current_lender_id(), "sby");
  ASSERT_THAT(RankedIds(rota), ElementsAre("sby", "bdg"));
  EXPECT_DOUBLE_EQ(rota.ranked[0].availability(), 1.0);
  EXPECT_DOUBLE_EQ(rota.ranked[1].availability(), 0.2);
  EXPECT_GT(rota.ranked[0].distance_km(), rota.ranked[1].distance_km());
}

// Expected: dpk (city tier, 21 km) before bks (national tier only, 16 km).
TEST_F(RoutingNetworkTest, CityTierBeatsNationalTierAtSimilarDistance) {
  Hold("bks", "rec:tier");
  Hold("dpk", "rec:tier");
  Rota rota = Plan("jkt", "rec:tier");
  EXPECT_EQ(Submit("jkt", "rec:tier").current_lender_id(), "dpk");
  ASSERT_THAT(RankedIds(rota), ElementsAre("dpk", "bks"));
  EXPECT_EQ(rota.ranked[0].partnership_id(), "kota-jabodetabek");
  EXPECT_DOUBLE_EQ(rota.ranked[0].tier(), 1.0);
  EXPECT_EQ(rota.ranked[1].partnership_id(), "nasional");
  EXPECT_DOUBLE_EQ(rota.ranked[1].tier(), 1.0 / 3);
  EXPECT_LT(rota.ranked[1].distance_km(), rota.ranked[0].distance_km());
}

// Expected: jkt (1,418 km) for Medan; Binjai, 20 km away, is filtered: its
// only agreement with Medan ended on 2023-12-31.
TEST_F(RoutingNetworkTest, ExpiredPartnershipRemovesTheLenderAndSaysWhy) {
  Hold("bnj", "rec:expired");
  Hold("jkt", "rec:expired");
  Rota rota = Plan("mdn", "rec:expired");
  EXPECT_THAT(RankedIds(rota), ElementsAre("jkt"));
  EXPECT_THAT(FilteredIds(rota), ElementsAre("bnj"));

  RequestRecord r = Submit("mdn", "rec:expired");
  EXPECT_EQ(r.current_lender_id(), "jkt");
  ASSERT_EQ(r.filtered_size(), 1);
  EXPECT_EQ(r.filtered(0).library_id(), "bnj");
  EXPECT_THAT(ExplainFiltered(r.filtered(0), r),
              HasSubstr("kota-medan-binjai"));
  EXPECT_THAT(ExplainFiltered(r.filtered(0), r), HasSubstr("2023-12-31"));
}

// At 23:30 WIB on Wednesday 2024-03-06 it is already Thursday 2024-03-07 in
// Denpasar (00:30 WITA) and Jayapura (01:30 WIT). All three lenders close on
// the 7th. Expected: sby (still the 6th in WIB); dps and jyp filtered with
// the closure. An hour later Surabaya is closed too.
TEST_F(RoutingNetworkTest, ClosedTodayInItsOwnTimeZone) {
  for (const char* lib : {"jyp", "dps", "sby"}) {
    Update(lib, [](LibraryRecord& l) {
      s::Closure* c = l.add_closures();
      c->set_from_date("2024-03-07");
      c->set_to_date("2024-03-08");
      c->set_reason("stocktaking");
    });
    Hold(lib, "rec:closed");
  }
  clock_.Set(Wib(2024, 3, 6, 23, 30));
  Rota rota = Plan("jkt", "rec:closed");
  EXPECT_THAT(RankedIds(rota), ElementsAre("sby"));
  ASSERT_THAT(FilteredIds(rota), ElementsAre("dps", "jyp"));
  for (const auto& e : rota.filtered) {
    const std::string why = ExplainFiltered(e, Request("jkt", "rec:closed"));
    EXPECT_THAT(why, HasSubstr("closed 2024-03-07"));
    EXPECT_THAT(why, HasSubstr("stocktaking"));
  }
  EXPECT_EQ(Submit("jkt", "rec:closed").current_lender_id(), "sby");

  clock_.Advance(absl::Hours(1));  // 00:30 WIB on the 7th
  Rota later = Plan("jkt", "rec:closed");
  EXPECT_THAT(RankedIds(later), IsEmpty());
  EXPECT_THAT(FilteredIds(later), ElementsAre("dps", "jyp", "sby"));
}

// Expected: sby; bdg, nearer, is suspended.
TEST_F(RoutingNetworkTest, SuspendedLenderIsFiltered) {
  Update("bdg",
         [](LibraryRecord& l) { l.set_status(s::LIBRARY_STATUS_SUSPENDED); });
  Hold("bdg", "rec:suspended");
  Hold("sby", "rec:suspended");
  Rota rota = Plan("jkt", "rec:suspended");
  EXPECT_EQ(Submit("jkt", "rec:suspended").current_lender_id(), "sby");
  EXPECT_THAT(RankedIds(rota), ElementsAre("sby"));
  ASSERT_THAT(FilteredIds(rota), ElementsAre("bdg"));
  EXPECT_THAT(
      ExplainFiltered(rota.filtered[0], Request("jkt", "rec:suspended")),
      HasSubstr("suspended"));
}

// Expected: sby, tpi, then bgr: Bogor is 43 km away and in the city tier,
// but it is the lender of last resort.
TEST_F(RoutingNetworkTest, LenderOfLastResortGoesLastThoughNearest) {
  Update("bgr", [](LibraryRecord& l) { l.set_lender_of_last_resort(true); });
  for (const char* lib : {"bgr", "tpi", "sby"}) Hold(lib, "rec:last");
  Rota rota = Plan("jkt", "rec:last");
  EXPECT_EQ(Submit("jkt", "rec:last").current_lender_id(), "sby");
  ASSERT_THAT(RankedIds(rota), ElementsAre("sby", "tpi", "bgr"));
  EXPECT_TRUE(rota.ranked[2].last_resort());
  EXPECT_GT(rota.ranked[2].score(), rota.ranked[0].score());
}

// Bandung lends at most 2 at a time. Expected: the first two requests go to
// bdg (nearest); once both loans are out (shipped and received), the third
// goes to sby, and bdg is filtered at its limit.
TEST_F(RoutingNetworkTest, LenderAtItsConcurrentLoanLimitIsFiltered) {
  Update("bdg", [](LibraryRecord& l) {
    l.mutable_policy()->set_max_concurrent_loans(2);
  });
  Hold("bdg", "rec:limit");
  Hold("sby", "rec:limit");
  for (int i = 0; i < 2; ++i) {
    ASSERT_NO_FATAL_FAILURE(
        Lend("bdg", "jkt", "rec:limit", s::SERVICE_TYPE_LOAN));
  }
  Rota rota = Plan("jkt", "rec:limit");
  EXPECT_THAT(RankedIds(rota), ElementsAre("sby"));
  ASSERT_THAT(FilteredIds(rota), ElementsAre("bdg"));
  EXPECT_THAT(ExplainFiltered(rota.filtered[0], Request("jkt", "rec:limit")),
              HasSubstr("at its limit of 2 concurrent loans"));
  RequestRecord third = Submit("jkt", "rec:limit");
  EXPECT_EQ(third.current_lender_id(), "sby");
  ASSERT_EQ(third.filtered_size(), 1);
  EXPECT_EQ(third.filtered(0).library_id(), "bdg");
}

// mks-1 and mks-2 are alike in place, tiers, fill rate (10 of 10 each) and
// answer time. mks-1 lent 10 copies and
// borrowed none; mks-2 lent 10 and borrowed 10. Expected: mks-2 first,
// although the id tie-break alone would put mks-1 first (as it does before
// the history is made).
TEST_F(RoutingNetworkTest, FairLoadSendsTheNetLenderSecond) {
  Hold("mks-1", "rec:fair");
  Hold("mks-2", "rec:fair");
  EXPECT_THAT(RankedIds(Plan("mks", "rec:fair")),
              ElementsAre("mks-1", "mks-2"));

  Hold("mks-1", "rec:from-mks-1");
  Hold("mks-2", "rec:from-mks-2");
  Hold("tmh", "rec:from-tmh");
  for (int i = 0; i < 10; ++i) {
    ASSERT_NO_FATAL_FAILURE(
        Lend("mks-1", "tmh", "rec:from-mks-1", s::SERVICE_TYPE_COPY));
    ASSERT_NO_FATAL_FAILURE(
        Lend("mks-2", "tmh", "rec:from-mks-2", s::SERVICE_TYPE_COPY));
    ASSERT_NO_FATAL_FAILURE(
        Lend("tmh", "mks-2", "rec:from-tmh", s::SERVICE_TYPE_COPY));
  }

  Rota rota = Plan("mks", "rec:fair");
  EXPECT_EQ(Submit("mks", "rec:fair").current_lender_id(), "mks-2");
  ASSERT_THAT(RankedIds(rota), ElementsAre("mks-2", "mks-1"));
  EXPECT_DOUBLE_EQ(rota.ranked[0].performance(), rota.ranked[1].performance());
  EXPECT_DOUBLE_EQ(rota.ranked[0].distance(), rota.ranked[1].distance());
  EXPECT_GT(rota.ranked[0].load(), rota.ranked[1].load());
}

// Two stores, the same network inserted in opposite orders (libraries,
// members, partnerships and holdings). Expected: identical rotas, and the
// exact tie of mks-1 and mks-2 (same place, same everything) broken by id.
TEST(RoutingNetworkOrderTest, TieBreakDoesNotDependOnInsertionOrder) {
  std::vector<places::Place> all = LoadPlaces();
  ASSERT_EQ(all.size(), 2061u);
  testing::TempDir tmp("routing-order");
  FakeClock clock(Wib(2024, 3, 6, 10));
  std::vector<Rota> rotas;
  for (bool reversed : {false, true}) {
    auto core = Core::Open(tmp.Sub(reversed ? "reversed" : "forward"), clock,
                           EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    ASSERT_NO_FATAL_FAILURE(BuildNetwork(*(*core)->directory, all, reversed));
    std::vector<std::string> holders = {"mks-1", "mks-2", "tmh", "mnd",
                                        "dps",   "sby",   "bnj"};
    if (reversed) std::reverse(holders.begin(), holders.end());
    for (const auto& lib : holders) {
      ASSERT_NO_FATAL_FAILURE(AddHolding(*(*core)->directory, lib, "rec:tie"));
    }
    auto plan = (*core)->requests->PlanRoute(Request("jkt", "rec:tie"));
    ASSERT_TRUE(plan.ok()) << plan.status();
    rotas.push_back(plan->rota);
  }
  const Rota& a = rotas[0];
  const Rota& b = rotas[1];
  ASSERT_EQ(RankedIds(a), RankedIds(b));
  ASSERT_EQ(FilteredIds(a), FilteredIds(b));
  for (size_t i = 0; i < a.ranked.size(); ++i) {
    EXPECT_EQ(a.ranked[i].rank(), b.ranked[i].rank());
    EXPECT_DOUBLE_EQ(a.ranked[i].score(), b.ranked[i].score());
    EXPECT_EQ(a.ranked[i].partnership_id(), b.ranked[i].partnership_id());
    EXPECT_EQ(ExplainRanked(a.ranked[i]), ExplainRanked(b.ranked[i]));
  }
  const RequestRecord tie = Request("jkt", "rec:tie");
  for (size_t i = 0; i < a.filtered.size(); ++i) {
    EXPECT_EQ(ExplainFiltered(a.filtered[i], tie),
              ExplainFiltered(b.filtered[i], tie));
  }
  // Expected, by distance (all national tier, on the shelf): sby 662 km
  // (same island), dps 962, mks-1 and mks-2 1,398 (tied), tmh 2,162, mnd
  // 2,174.
  EXPECT_THAT(RankedIds(a),
              ElementsAre("sby", "dps", "mks-1", "mks-2", "tmh", "mnd"));
  const s::RotaEntryRecord* m1 = Entry(a.ranked, "mks-1");
  const s::RotaEntryRecord* m2 = Entry(a.ranked, "mks-2");
  ASSERT_NE(m1, nullptr);
  ASSERT_NE(m2, nullptr);
  EXPECT_DOUBLE_EQ(m1->score(), m2->score());
  EXPECT_EQ(m1->rank() + 1, m2->rank());
  // Binjai shares no partnership with Jakarta.
  EXPECT_THAT(FilteredIds(a), ElementsAre("bnj"));
}

}  // namespace
}  // namespace silang
