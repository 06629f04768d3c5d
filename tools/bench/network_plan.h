// NetworkPlan: the generated national library network the benchmarks load
// (routing_bench through the engine, silang-bench through the gRPC API):
// which libraries sit where, and who is in which partnership. Plain data,
// no store or API types; each benchmark turns it into its own records.
//
//   - n libraries: library i sits at place i % P of id_places.csv (P places,
//     in file order), moved by up to 0.01 degrees (about 1 km) of jitter,
//     with the place's province and regency, the island and time zone of its
//     province (id_places.h). The first library at each place (i < P) is
//     that place's hub. About one in 50 libraries is suspended, one in 40
//     closed this week, one in 100 a lender of last resort (a hash of the
//     index, so it does not line up with any even spread).
//   - Partnerships, since one lists at most 10,000 members (engine/limits.h):
//       tier 1  one per regency (per place where the file has none), ids
//               kota-NNNN: every library there;
//       tier 2  one per province, split in chunks of at most 10,000 by
//               library index, ids prov-NN-C;
//       tier 3  `national_stripes` national partnerships, nasional-NN: each
//               lists every hub plus every stripes-th non-hub library.
//     So a hub shares a partnership with every library in the country, and
//     an ordinary library with its regency, its province chunk and a
//     stripes-th of the rest. Groups of fewer than two are skipped.
//
// Deterministic: the same places and sizes give the same plan. Header-only;
// pure functions; thread-safe.
#ifndef SILANG_TOOLS_BENCH_NETWORK_PLAN_H_
#define SILANG_TOOLS_BENCH_NETWORK_PLAN_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/bench/id_places.h"

namespace silang::bench {

inline constexpr size_t kMaxPartnershipMembers = 10000;  // engine/limits.h

// splitmix64: a deterministic hash for jitter and "one in n" picks.
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// In [-0.01, 0.01] degrees.
inline double Jitter(uint64_t seed) {
  return (static_cast<double>(Mix(seed) % 20001) - 10000.0) / 1e6;
}

// About one library in n, by a hash of its index.
inline bool OneIn(int n, int i, uint64_t salt) {
  return Mix(static_cast<uint64_t>(i) * 0x100000001b3ULL + salt) % n == 0;
}

inline std::string LibraryId(int i) { return absl::StrFormat("lib-%06d", i); }

struct LibrarySpec {
  std::string id;
  std::string name;
  double lat = 0;
  double lon = 0;
  std::string province;
  std::string regency;
  std::string island;
  std::string time_zone;
  bool suspended = false;
  bool closed_this_week = false;
  bool last_resort = false;
};

// Fills a library message from a spec: the API's v1::Library or the
// store's LibraryRecord, which have the same fields and enum numbers
// (tests/services check that parity). A spec closed this week is closed
// from `closed_from` to `closed_to`; every library lends loans and copies
// for 21 days.
template <typename Library>
void FillLibrary(const LibrarySpec& spec, const std::string& closed_from,
                 const std::string& closed_to, Library& lib) {
  using Status = decltype(lib.status());
  using Service = decltype(lib.policy().services(0));
  lib.set_id(spec.id);
  lib.set_name(spec.name);
  lib.set_lat(spec.lat);
  lib.set_lon(spec.lon);
  lib.set_province(spec.province);
  lib.set_regency(spec.regency);
  lib.set_island(spec.island);
  lib.set_time_zone(spec.time_zone);
  // 2 SUSPENDED, 1 ACTIVE
  lib.set_status(static_cast<Status>(spec.suspended ? 2 : 1));
  if (spec.closed_this_week) {
    auto* c = lib.add_closures();
    c->set_from_date(closed_from);
    c->set_to_date(closed_to);
    c->set_reason("renovasi");
  }
  lib.set_lender_of_last_resort(spec.last_resort);
  lib.mutable_policy()->add_services(static_cast<Service>(1));  // LOAN
  lib.mutable_policy()->add_services(static_cast<Service>(2));  // COPY
  lib.mutable_policy()->set_loan_period_days(21);
}

struct PartnershipSpec {
  std::string id;
  int tier = 0;
  std::vector<int> members;  // library indexes, ascending
};

struct NetworkPlan {
  int places = 0;  // P: libraries 0..P-1 are the hubs
  std::vector<LibrarySpec> libraries;
  std::vector<PartnershipSpec> partnerships;
};

// REQUIRES: places is not empty.
inline NetworkPlan PlanNetwork(const std::vector<places::Place>& places,
                               int libraries, int national_stripes) {
  NetworkPlan plan;
  plan.places = static_cast<int>(places.size());
  std::map<std::string, std::vector<int>> by_regency;
  std::map<std::string, std::vector<int>> by_province;
  plan.libraries.reserve(libraries);
  for (int i = 0; i < libraries; ++i) {
    const places::Place& p = places[i % plan.places];
    LibrarySpec lib;
    lib.id = LibraryId(i);
    lib.name = absl::StrCat("Perpustakaan ", p.name, " ", i / plan.places + 1);
    lib.lat = p.lat + Jitter(2 * static_cast<uint64_t>(i));
    lib.lon = p.lon + Jitter(2 * static_cast<uint64_t>(i) + 1);
    lib.province = p.province;
    lib.regency = p.regency;
    lib.island = places::IslandOf(p.province);
    lib.time_zone = places::TimeZoneOf(p.province, p.lon);
    lib.suspended = OneIn(50, i, 1);
    lib.closed_this_week = OneIn(40, i, 2);
    lib.last_resort = OneIn(100, i, 3);
    plan.libraries.push_back(std::move(lib));
    std::string regency = p.regency.empty()
                              ? absl::StrCat(p.province, "/", p.name)
                              : absl::StrCat(p.province, "/", p.regency);
    by_regency[regency].push_back(i);
    by_province[p.province.empty() ? "unknown" : p.province].push_back(i);
  }
  auto add = [&](std::string id, int tier, std::vector<int> members) {
    if (members.size() < 2) return;  // a partnership needs two members
    plan.partnerships.push_back({std::move(id), tier, std::move(members)});
  };
  int seq = 0;
  for (auto& [regency, members] : by_regency) {
    add(absl::StrFormat("kota-%04d", seq++), 1, members);
  }
  seq = 0;
  for (auto& [province, members] : by_province) {
    for (size_t from = 0, chunk = 0; from < members.size();
         from += kMaxPartnershipMembers, ++chunk) {
      size_t to = std::min(members.size(), from + kMaxPartnershipMembers);
      add(absl::StrFormat("prov-%02d-%d", seq, chunk), 2,
          {members.begin() + from, members.begin() + to});
    }
    ++seq;
  }
  for (int stripe = 0; stripe < national_stripes; ++stripe) {
    std::vector<int> members;
    for (int i = 0; i < std::min(plan.places, libraries); ++i) {
      members.push_back(i);
    }
    for (int i = plan.places; i < libraries; ++i) {
      if (i % national_stripes == stripe) members.push_back(i);
    }
    add(absl::StrFormat("nasional-%02d", stripe), 3, std::move(members));
  }
  return plan;
}

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_NETWORK_PLAN_H_
