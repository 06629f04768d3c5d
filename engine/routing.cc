#include "engine/routing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "engine/geo.h"
#include "engine/title_holders.h"

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

const char* ServiceName(s::ServiceType t) {
  return t == s::SERVICE_TYPE_COPY ? "copy" : "loan";
}

std::string MaterialName(s::MaterialType m) {
  return s::MaterialType_Name(m).substr(sizeof("MATERIAL_TYPE_") - 1);
}

struct Filtered {
  const Holder* holder;
  s::FilterReason why;
  const PartnershipView* partnership = nullptr;  // for partnership reasons
  absl::CivilDay today;                          // for CLOSED
};

// The words for reasons that hang on state that may change after routing
// (a closure, a loan limit, a partnership's dates, the service asked for:
// a REREQUEST may ask for a copy instead), frozen into the stored entry;
// "" for reasons worded later from the entry and the request's fixed
// fields (ExplainFiltered).
std::string FrozenReason(const Filtered& f, const s::RequestRecord& req) {
  const LibraryView& lib = *f.holder->library;
  switch (f.why) {
    case s::FILTER_REASON_NO_SERVICE:
      return absl::StrCat("policy: does not lend by ",
                          ServiceName(req.service_type()));
    case s::FILTER_REASON_SERVICE_NOT_COVERED:
      return absl::StrCat("partnership ", f.partnership->id(),
                          " does not cover ", ServiceName(req.service_type()));
    case s::FILTER_REASON_CLOSED: {
      const auto& c = lib.record.closures(lib.ClosureOn(f.today));
      return absl::StrCat("closed ", c.from_date(), " to ", c.to_date(),
                          c.reason().empty() ? "" : " (", c.reason(),
                          c.reason().empty() ? "" : ")");
    }
    case s::FILTER_REASON_AT_LIMIT:
      return absl::StrCat("at its limit of ",
                          lib.record.policy().max_concurrent_loans(),
                          " concurrent loans");
    case s::FILTER_REASON_NOT_YET_VALID:
      return absl::StrCat("partnership ", f.partnership->id(), " starts ",
                          f.partnership->record.valid_from());
    case s::FILTER_REASON_EXPIRED:
      return absl::StrCat("partnership ", f.partnership->id(), " expired on ",
                          f.partnership->record.valid_until());
    default:
      return "";
  }
}

// The best (lowest tier, then id) shared partnership valid on `today` that
// covers the request; otherwise why not, for the greatest id that failed.
struct Match {
  const PartnershipView* best = nullptr;
  s::FilterReason why = s::FILTER_REASON_NO_PARTNERSHIP;
  const PartnershipView* why_partnership = nullptr;
};

// The borrower's partnerships (in number order) that the lender belongs
// to too. A lender is in a few partnerships, a borrower maybe in dozens,
// so each of the lender's is looked up in the borrower's.
void SharedPartnerships(const std::vector<const PartnershipView*>& borrowers,
                        const LibraryView& lender,
                        std::vector<const PartnershipView*>& out) {
  out.clear();
  if (!lender.partnerships_known) {  // no membership index: read the lists
    for (const PartnershipView* p : borrowers) {
      if (Contains(p->record.member_ids(), lender.id())) out.push_back(p);
    }
    return;
  }
  auto below = [](const PartnershipView* p, uint32_t n) {
    return p->number < n;
  };
  for (uint32_t n : lender.partnership_numbers) {
    auto it = std::lower_bound(borrowers.begin(), borrowers.end(), n, below);
    if (it != borrowers.end() && (*it)->number == n) out.push_back(*it);
  }
}

Match MatchPartnership(const RoutingInput& in,
                       const std::vector<const PartnershipView*>& shared,
                       absl::CivilDay today) {
  const s::RequestRecord& req = *in.request;
  Match m;
  for (const PartnershipView* pv : shared) {
    const PartnershipView& p = *pv;
    s::FilterReason why;
    if (today < p.valid_from) {
      why = s::FILTER_REASON_NOT_YET_VALID;
    } else if (p.valid_until < today) {
      why = s::FILTER_REASON_EXPIRED;
    } else if (!Covers(p.record.services(), req.service_type())) {
      why = s::FILTER_REASON_SERVICE_NOT_COVERED;
    } else if (req.material_type() != s::MATERIAL_TYPE_UNSPECIFIED &&
               !Covers(p.record.material_types(), req.material_type())) {
      why = s::FILTER_REASON_MATERIAL_NOT_COVERED;
    } else {
      if (m.best == nullptr || p.tier < m.best->tier ||
          (p.tier == m.best->tier && p.id() < m.best->id())) {
        m.best = &p;
      }
      continue;
    }
    // Name the mismatch of the greatest id, whatever the order of `shared`.
    if (m.why_partnership == nullptr || m.why_partnership->id() < p.id()) {
      m.why = why;
      m.why_partnership = &p;
    }
  }
  return m;
}

struct Availability {
  double score = -1;  // -1: nothing lendable
  const char* label = "";
};

Availability ScoreOf(s::Availability a) {
  switch (a) {
    case s::AVAILABILITY_ON_SHELF:
      return {1.0, "on shelf"};
    case s::AVAILABILITY_UNSPECIFIED:
      return {0.5, "availability unknown"};
    case s::AVAILABILITY_ON_LOAN:
      return {0.2, "on loan"};
    default:
      return {};  // not for loan, withdrawn: cannot be lent
  }
}

// A ranked candidate before it becomes a RotaEntryRecord.
struct Candidate {
  const Holder* holder;
  const PartnershipView* partnership;
  Availability availability;
  double distance, load, performance, tier, score, km;
  bool crossing_island, crossing_province;
};

bool Before(const Candidate& a, const Candidate& b) {
  const bool la = a.holder->library->last_resort;
  const bool lb = b.holder->library->last_resort;
  if (la != lb) return !la;
  if (a.score != b.score) return a.score > b.score;
  if (a.km != b.km) return a.km < b.km;
  return a.holder->library->id() < b.holder->library->id();
}

s::RotaEntryRecord ToEntry(const Candidate& c, int rank) {
  const Holder& h = *c.holder;
  s::RotaEntryRecord e;
  e.set_rank(rank);
  e.set_library_id(h.library->id());
  e.set_availability(c.availability.score);
  e.set_distance(c.distance);
  e.set_load(c.load);
  e.set_performance(c.performance);
  e.set_tier(c.tier);
  e.set_distance_km(c.km);
  e.set_last_resort(h.library->last_resort);
  e.set_partnership_id(c.partnership->id());
  e.set_score(c.score);
  s::RotaFacts& f = *e.mutable_facts();
  f.set_availability(h.availability);
  f.set_inter_island(c.crossing_island);
  f.set_inter_province(c.crossing_province);
  f.set_tier(c.partnership->tier);
  f.set_loans_out(h.loans_out);
  f.set_open_queue(h.open_queue);
  f.set_filled(h.filled);
  f.set_requests_received(h.requests_received);
  return e;
}

// "Today" in a library's zone; libraries share few zones, so remember them.
class Today {
 public:
  explicit Today(absl::Time now) : now_(now) {}
  absl::CivilDay For(const LibraryView& lib) {
    for (const auto& [zone, day] : seen_) {
      if (zone == lib.zone) return day;
    }
    absl::CivilDay day = absl::ToCivilDay(now_, lib.zone);
    seen_.emplace_back(lib.zone, day);
    return day;
  }

 private:
  absl::Time now_;
  std::vector<std::pair<absl::TimeZone, absl::CivilDay>> seen_;
};

}  // namespace

Rota BuildRota(const RoutingInput& in, const RoutingWeights& w) {
  const s::RequestRecord& req = *in.request;
  const s::ServiceType service = req.service_type();
  const LibraryView& pickup = *in.pickup;
  Today today_of(in.now);
  std::vector<Candidate> candidates;
  std::vector<Filtered> filtered;
  std::vector<const PartnershipView*> borrowers;
  for (const auto& p : in.partnerships) borrowers.push_back(p.get());
  std::sort(borrowers.begin(), borrowers.end(),
            [](const PartnershipView* a, const PartnershipView* b) {
              return a->number < b->number;
            });
  std::vector<const PartnershipView*> shared;
  candidates.reserve(in.holders.size());
  const uint32_t self = in.borrower->number;

  for (const Holder& h : in.holders) {
    // The view's first members only, until the holder is ranked or listed
    // (LibraryView): no record field, and no string compare unless some
    // lenders were already tried.
    const LibraryView& lib = *h.library;
    auto drop = [&](s::FilterReason why, const PartnershipView* p = nullptr,
                    absl::CivilDay day = {}) {
      filtered.push_back({&h, why, p, day});
    };
    if (lib.number == self) {
      drop(s::FILTER_REASON_BORROWER_HOLDS);
      continue;
    }
    if (in.tried.count(lib.id())) {
      drop(s::FILTER_REASON_TRIED);
      continue;
    }
    if (lib.suspended) {
      drop(s::FILTER_REASON_SUSPENDED);
      continue;
    }
    const absl::CivilDay today = today_of.For(lib);
    if (lib.ClosureOn(today) >= 0) {
      drop(s::FILTER_REASON_CLOSED, nullptr, today);
      continue;
    }
    if (!lib.Lends(service)) {
      drop(s::FILTER_REASON_NO_SERVICE);
      continue;
    }
    if (req.material_type() != s::MATERIAL_TYPE_UNSPECIFIED &&
        !lib.LendsMaterial(req.material_type())) {
      drop(s::FILTER_REASON_NO_MATERIAL);
      continue;
    }
    if (lib.max_concurrent_loans > 0 &&
        h.loans_out >= lib.max_concurrent_loans) {
      drop(s::FILTER_REASON_AT_LIMIT);
      continue;
    }
    SharedPartnerships(borrowers, lib, shared);
    Match match = MatchPartnership(in, shared, today);
    if (match.best == nullptr) {
      drop(match.why, match.why_partnership);
      continue;
    }
    Availability availability = ScoreOf(h.availability);
    if (availability.score < 0) {
      drop(s::FILTER_REASON_NOTHING_LENDABLE);
      continue;
    }

    Candidate c;
    c.holder = &h;
    c.partnership = match.best;
    c.availability = availability;
    c.km = geo::DistanceKm(lib.position, pickup.position);
    double cost_km = c.km;
    c.crossing_island = lib.island != 0 && pickup.island != 0 &&
                        lib.island != pickup.island;
    c.crossing_province = !c.crossing_island && lib.province != pickup.province;
    if (c.crossing_island) cost_km += w.inter_island_km;
    if (c.crossing_province) cost_km += w.inter_province_km;
    c.distance = 1.0 / (1.0 + cost_km / 300.0);
    const double net_lent = static_cast<double>(
        std::max<int64_t>(0, h.lent_total - h.borrowed_total));
    c.load = 1.0 / (1.0 + net_lent / 10.0 +
                    static_cast<double>(h.open_queue + h.loans_out) / 10.0);
    // Requests still waiting for its answer are neither filled nor not.
    const int64_t answered =
        std::max<int64_t>(h.filled, h.requests_received - h.open_queue);
    const double fill_rate = static_cast<double>(h.filled + 1) /
                             static_cast<double>(answered + 2);
    const double speed = h.mean_first_answer_hours < 0
                             ? 0.5
                             : 1.0 / (1.0 + h.mean_first_answer_hours / 48.0);
    c.performance = (fill_rate + speed) / 2.0;
    c.tier = 1.0 / match.best->tier;
    c.score = w.availability * availability.score + w.distance * c.distance +
              w.load * c.load + w.performance * c.performance +
              w.tier * c.tier;
    candidates.push_back(c);
  }

  Rota rota;
  const size_t window =
      std::min(candidates.size(), static_cast<size_t>(std::max(1, w.window)));
  std::partial_sort(candidates.begin(), candidates.begin() + window,
                    candidates.end(), Before);
  rota.ranked.reserve(window);
  for (size_t i = 0; i < window; ++i) {
    rota.ranked.push_back(ToEntry(candidates[i], static_cast<int>(i + 1)));
  }
  rota.unlisted_ranked = static_cast<int>(candidates.size() - window);

  const size_t listed = std::min(
      filtered.size(), static_cast<size_t>(std::max(0, w.filtered_window)));
  auto by_id = [](const Filtered& a, const Filtered& b) {
    return a.holder->library->id() < b.holder->library->id();
  };
  std::partial_sort(filtered.begin(), filtered.begin() + listed, filtered.end(),
                    by_id);
  for (size_t i = 0; i < listed; ++i) {
    const Filtered& f = filtered[i];
    s::RotaEntryRecord e;
    e.set_library_id(f.holder->library->id());
    e.set_last_resort(f.holder->library->last_resort);
    e.set_filter(f.why);
    if (f.partnership != nullptr) e.set_partnership_id(f.partnership->id());
    e.set_filtered_reason(FrozenReason(f, req));
    rota.filtered.push_back(std::move(e));
  }
  rota.unlisted_filtered = static_cast<int>(filtered.size() - listed);
  return rota;
}

std::string ExplainRanked(const s::RotaEntryRecord& e) {
  if (!e.explanation().empty() || !e.has_facts()) return e.explanation();
  const s::RotaFacts& f = e.facts();
  return absl::StrFormat(
      "%s; %.0f km%s; partnership %s (tier %d); %d out, %d queued; "
      "filled %d of %d%s",
      ScoreOf(f.availability()).label, e.distance_km(),
      f.inter_island()     ? ", inter-island"
      : f.inter_province() ? ", inter-province"
                           : "",
      e.partnership_id(), f.tier(), f.loans_out(), f.open_queue(), f.filled(),
      f.requests_received(), e.last_resort() ? "; lender of last resort" : "");
}

std::string ExplainFiltered(const s::RotaEntryRecord& e,
                            const s::RequestRecord& req) {
  if (!e.filtered_reason().empty() ||
      e.filter() == s::FILTER_REASON_UNSPECIFIED) {
    return e.filtered_reason();
  }
  switch (e.filter()) {
    case s::FILTER_REASON_BORROWER_HOLDS:
      return "borrowing library holds it: local copy, not routed";
    case s::FILTER_REASON_TRIED:
      return "already tried for this request";
    case s::FILTER_REASON_SUSPENDED:
      return "suspended";
    case s::FILTER_REASON_NO_MATERIAL:
      return absl::StrCat("policy: does not lend ",
                          MaterialName(req.material_type()));
    case s::FILTER_REASON_NO_PARTNERSHIP:
      return absl::StrCat("no partnership with ", req.borrower_library_id());
    case s::FILTER_REASON_MATERIAL_NOT_COVERED:
      return absl::StrCat("partnership ", e.partnership_id(),
                          " does not cover ",
                          MaterialName(req.material_type()));
    case s::FILTER_REASON_NOTHING_LENDABLE:
      return "no copy that may be lent (not for loan or withdrawn)";
    default:  // the frozen reasons carry their text (FrozenReason)
      return "filtered";
  }
}

}  // namespace silang
