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
  const LibraryView* library;
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
  const LibraryView& lib = *f.library;
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
// so each of the lender's is looked up in the borrower's; without the
// lender's memberships, each of the borrower's member bits is read.
void SharedPartnerships(const std::vector<const PartnershipView*>& borrowers,
                        const LibraryView& lender,
                        std::vector<const PartnershipView*>& out) {
  out.clear();
  if (!lender.partnerships_known) {
    for (const PartnershipView* p : borrowers) {
      if (p->HasMember(lender.number)) out.push_back(p);
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

// The filters a library's view alone decides, in routing.h's order;
// UNSPECIFIED if it passes them all.
s::FilterReason ViewFilter(const LibraryView& lib, const RoutingInput& in,
                           absl::CivilDay today) {
  const s::RequestRecord& req = *in.request;
  if (lib.number == in.borrower->number) {
    return s::FILTER_REASON_BORROWER_HOLDS;
  }
  // No string compare unless some lenders were already tried.
  if (!in.tried.empty() && in.tried.count(lib.id()) != 0) {
    return s::FILTER_REASON_TRIED;
  }
  if (lib.suspended) return s::FILTER_REASON_SUSPENDED;
  if (lib.ClosureOn(today) >= 0) return s::FILTER_REASON_CLOSED;
  if (!lib.Lends(req.service_type())) return s::FILTER_REASON_NO_SERVICE;
  if (req.material_type() != s::MATERIAL_TYPE_UNSPECIFIED &&
      !lib.LendsMaterial(req.material_type())) {
    return s::FILTER_REASON_NO_MATERIAL;
  }
  return s::FILTER_REASON_UNSPECIFIED;
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

bool WorthSortingOutOutsiders(
    const std::vector<std::shared_ptr<const PartnershipView>>& partnerships) {
  int64_t members = 0;
  for (const auto& p : partnerships) members += p->record.member_ids_size();
  return members < int64_t{LibraryNumbersInUse()} / 2;
}

bool SharesPartnership(
    const std::vector<std::shared_ptr<const PartnershipView>>& partnerships,
    uint32_t library_number) {
  for (const auto& p : partnerships) {
    if (p->HasMember(library_number)) return true;
  }
  return false;
}

Rota BuildRota(const RoutingInput& in, const RoutingWeights& w) {
  const s::RequestRecord& req = *in.request;
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

  for (const Holder& h : in.holders) {
    // The view's first members only, until the holder is ranked or listed
    // (LibraryView): no record field.
    const LibraryView& lib = *h.library;
    auto drop = [&](s::FilterReason why, const PartnershipView* p = nullptr,
                    absl::CivilDay day = {}) {
      filtered.push_back({&lib, why, p, day});
    };
    const absl::CivilDay today = today_of.For(lib);
    if (s::FilterReason why = ViewFilter(lib, in, today);
        why != s::FILTER_REASON_UNSPECIFIED) {
      drop(why, nullptr, today);
      continue;
    }
    SharedPartnerships(borrowers, lib, shared);
    Match match = MatchPartnership(in, shared, today);
    if (match.best == nullptr) {
      drop(match.why, match.why_partnership);
      continue;
    }
    if (lib.max_concurrent_loans > 0 &&
        h.loans_out >= lib.max_concurrent_loans) {
      drop(s::FILTER_REASON_AT_LIMIT);
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

  // The first filtered_window filtered libraries by id: the filtered
  // holders, sorted here, merged with the outsiders, sorted already.
  const size_t listed = w.filtered_listed();
  const size_t from_holders = std::min(filtered.size(), listed);
  std::partial_sort(filtered.begin(), filtered.begin() + from_holders,
                    filtered.end(), [](const Filtered& a, const Filtered& b) {
                      return a.library->id() < b.library->id();
                    });
  auto list = [&](const Filtered& f) {
    s::RotaEntryRecord e;
    e.set_library_id(f.library->id());
    e.set_last_resort(f.library->last_resort);
    e.set_filter(f.why);
    if (f.partnership != nullptr) e.set_partnership_id(f.partnership->id());
    e.set_filtered_reason(FrozenReason(f, req));
    rota.filtered.push_back(std::move(e));
  };
  size_t i = 0;
  size_t j = 0;
  while (rota.filtered.size() < listed &&
         (i < from_holders || j < in.outsiders.size())) {
    if (i < from_holders &&
        (j == in.outsiders.size() ||
         filtered[i].library->id() < in.outsiders[j]->id())) {
      list(filtered[i++]);
      continue;
    }
    const LibraryView& lib = *in.outsiders[j++];
    const absl::CivilDay today = today_of.For(lib);
    s::FilterReason why = ViewFilter(lib, in, today);
    if (why == s::FILTER_REASON_UNSPECIFIED) {
      why = s::FILTER_REASON_NO_PARTNERSHIP;
    }
    list({&lib, why, nullptr, today});
  }
  rota.unlisted_filtered = static_cast<int>(
      filtered.size() + in.outsiders.size() - rota.filtered.size());
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
