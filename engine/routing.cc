#include "engine/routing.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "engine/calendar.h"
#include "engine/geo.h"
#include "engine/request_fsm.h"

namespace silang {
namespace {

namespace s = storage::v1;

bool Contains(const auto& list, auto value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Empty list means "all".
bool Covers(const auto& list, auto value) {
  return list.empty() || Contains(list, value);
}

std::string ServiceName(s::ServiceType t) {
  return t == s::SERVICE_TYPE_COPY ? "copy" : "loan";
}

std::string MaterialName(s::MaterialType m) {
  std::string name = s::MaterialType_Name(m);
  return name.substr(std::string("MATERIAL_TYPE_").size());
}

// The best partnership (lowest tier) linking borrower and lender that is
// valid today and covers the service and material; otherwise a reason.
struct PartnershipMatch {
  const s::PartnershipRecord* partnership = nullptr;
  std::string reason;
};

PartnershipMatch MatchPartnership(const RoutingInput& in,
                                  const s::LibraryRecord& lender,
                                  s::ServiceType service,
                                  s::MaterialType material) {
  PartnershipMatch best;
  std::string why_not;
  auto zone = calendar::ResolveTimeZone(lender.time_zone());
  absl::CivilDay today = absl::ToCivilDay(
      in.now, zone.ok() ? *zone : absl::UTCTimeZone());
  for (const auto& p : in.partnerships) {
    if (!Contains(p.member_ids(), lender.id())) continue;
    auto from = calendar::ParseDay(p.valid_from());
    auto until = calendar::ParseDay(p.valid_until());
    if (!from.ok() || !until.ok() || today < *from) {
      why_not = absl::StrCat("partnership ", p.id(), " starts ",
                             p.valid_from());
      continue;
    }
    if (*until < today) {
      why_not = absl::StrCat("partnership ", p.id(), " expired on ",
                             p.valid_until());
      continue;
    }
    if (!Covers(p.services(), service)) {
      why_not = absl::StrCat("partnership ", p.id(), " does not cover ",
                             ServiceName(service));
      continue;
    }
    if (material != s::MATERIAL_TYPE_UNSPECIFIED &&
        !Covers(p.material_types(), material)) {
      why_not = absl::StrCat("partnership ", p.id(), " does not cover ",
                             MaterialName(material));
      continue;
    }
    int tier = std::max(1, p.tier());
    if (best.partnership == nullptr ||
        tier < std::max(1, best.partnership->tier()) ||
        (tier == std::max(1, best.partnership->tier()) &&
         p.id() < best.partnership->id())) {
      best.partnership = &p;
    }
  }
  if (best.partnership == nullptr) {
    best.reason = why_not.empty()
                      ? absl::StrCat("no partnership with ", in.borrower->id())
                      : why_not;
  }
  return best;
}

std::optional<std::string> ClosedToday(const s::LibraryRecord& lender,
                                       absl::Time now) {
  auto zone = calendar::ResolveTimeZone(lender.time_zone());
  absl::CivilDay today =
      absl::ToCivilDay(now, zone.ok() ? *zone : absl::UTCTimeZone());
  for (const auto& c : lender.closures()) {
    auto from = calendar::ParseDay(c.from_date());
    auto to = calendar::ParseDay(c.to_date());
    if (from.ok() && to.ok() && *from <= today && today <= *to) {
      return absl::StrCat("closed ", c.from_date(), " to ", c.to_date(),
                          c.reason().empty() ? "" : " (", c.reason(),
                          c.reason().empty() ? "" : ")");
    }
  }
  return std::nullopt;
}

double AvailabilityScore(const std::vector<s::HoldingRecord>& items,
                         std::string* label) {
  double best = -1;
  for (const auto& h : items) {
    double v = -1;
    std::string l;
    switch (h.availability()) {
      case s::AVAILABILITY_ON_SHELF:
        v = 1.0, l = "on shelf";
        break;
      case s::AVAILABILITY_UNSPECIFIED:
        v = 0.5, l = "availability unknown";
        break;
      case s::AVAILABILITY_ON_LOAN:
        v = 0.2, l = "on loan";
        break;
      default:
        break;  // not for loan, withdrawn: cannot be lent
    }
    if (v > best) best = v, *label = l;
  }
  return best;
}

}  // namespace

Rota BuildRota(const RoutingInput& in, const RoutingWeights& w) {
  const s::RequestRecord& req = *in.request;
  const s::ServiceType service = req.service_type();
  Rota rota;
  auto filter = [&](const s::LibraryRecord& lib, std::string reason) {
    s::RotaEntryRecord e;
    e.set_library_id(lib.id());
    e.set_last_resort(lib.lender_of_last_resort());
    e.set_filtered_reason(std::move(reason));
    rota.filtered.push_back(std::move(e));
  };

  for (const Holder& h : in.holders) {
    const s::LibraryRecord& lib = h.library;
    if (lib.id() == req.borrower_library_id()) {
      filter(lib, "borrowing library holds it: local copy, not routed");
      continue;
    }
    if (in.tried.count(lib.id())) {
      filter(lib, "already tried for this request");
      continue;
    }
    if (lib.status() == s::LIBRARY_STATUS_SUSPENDED) {
      filter(lib, "suspended");
      continue;
    }
    if (auto closed = ClosedToday(lib, in.now)) {
      filter(lib, *closed);
      continue;
    }
    if (!Contains(lib.policy().services(), service)) {
      filter(lib, absl::StrCat("policy: does not lend by ",
                               ServiceName(service)));
      continue;
    }
    if (req.material_type() != s::MATERIAL_TYPE_UNSPECIFIED &&
        !Covers(lib.policy().material_types(), req.material_type())) {
      filter(lib, absl::StrCat("policy: does not lend ",
                               MaterialName(req.material_type())));
      continue;
    }
    if (lib.policy().max_concurrent_loans() > 0 &&
        h.loans_out >= lib.policy().max_concurrent_loans()) {
      filter(lib, absl::StrCat("at its limit of ",
                               lib.policy().max_concurrent_loans(),
                               " concurrent loans"));
      continue;
    }
    PartnershipMatch match =
        MatchPartnership(in, lib, service, req.material_type());
    if (match.partnership == nullptr) {
      filter(lib, match.reason);
      continue;
    }
    std::string avail_label;
    double availability = AvailabilityScore(h.items, &avail_label);
    if (availability < 0) {
      filter(lib, "no copy that may be lent (not for loan or withdrawn)");
      continue;
    }

    double km = geo::DistanceKm(lib.lat(), lib.lon(), in.pickup->lat(),
                                in.pickup->lon());
    double cost_km = km;
    std::string crossing;
    if (!lib.island().empty() && !in.pickup->island().empty() &&
        lib.island() != in.pickup->island()) {
      cost_km += w.inter_island_km;
      crossing = ", inter-island";
    } else if (lib.province() != in.pickup->province()) {
      cost_km += w.inter_province_km;
      crossing = ", inter-province";
    }
    double distance = 1.0 / (1.0 + cost_km / 300.0);
    double net_lent = static_cast<double>(
        std::max<int64_t>(0, h.lent_total - h.borrowed_total));
    double load =
        1.0 / (1.0 + net_lent / 10.0 +
               static_cast<double>(h.open_queue + h.loans_out) / 10.0);
    double fill_rate = static_cast<double>(h.filled + 1) /
                       static_cast<double>(h.requests_received + 2);
    double speed = h.mean_first_answer_hours < 0
                       ? 0.5
                       : 1.0 / (1.0 + h.mean_first_answer_hours / 48.0);
    double performance = (fill_rate + speed) / 2.0;
    int tier = std::max(1, match.partnership->tier());
    double tier_score = 1.0 / tier;

    s::RotaEntryRecord e;
    e.set_library_id(lib.id());
    e.set_availability(availability);
    e.set_distance(distance);
    e.set_load(load);
    e.set_performance(performance);
    e.set_tier(tier_score);
    e.set_distance_km(km);
    e.set_last_resort(lib.lender_of_last_resort());
    e.set_partnership_id(match.partnership->id());
    e.set_score(w.availability * availability + w.distance * distance +
                w.load * load + w.performance * performance +
                w.tier * tier_score);
    e.set_explanation(absl::StrFormat(
        "%s; %.0f km%s; partnership %s (tier %d); %d out, %d queued; "
        "filled %d of %d%s",
        avail_label, km, crossing, match.partnership->id(), tier,
        h.loans_out, h.open_queue, h.filled, h.requests_received,
        lib.lender_of_last_resort() ? "; lender of last resort" : ""));
    rota.ranked.push_back(std::move(e));
  }

  std::sort(rota.ranked.begin(), rota.ranked.end(),
            [](const s::RotaEntryRecord& a, const s::RotaEntryRecord& b) {
              if (a.last_resort() != b.last_resort()) return !a.last_resort();
              if (a.score() != b.score()) return a.score() > b.score();
              if (a.distance_km() != b.distance_km()) {
                return a.distance_km() < b.distance_km();
              }
              return a.library_id() < b.library_id();
            });
  for (size_t i = 0; i < rota.ranked.size(); ++i) {
    rota.ranked[i].set_rank(static_cast<int>(i + 1));
  }
  std::sort(rota.filtered.begin(), rota.filtered.end(),
            [](const auto& a, const auto& b) {
              return a.library_id() < b.library_id();
            });
  return rota;
}

}  // namespace silang
