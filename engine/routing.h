// Routing policy: from the holders of a title to a ranked rota, with every
// filtered-out library and the reason it was not asked.
//
// Hard filters, each recorded against the library it removes, the first
// that applies: the borrowing library itself (a local copy is reported,
// not routed); already tried for this request; suspended; closed today in
// its own time zone; the lender's policy excludes the service or material;
// no shared partnership that is valid today (in the lender's time zone) and
// covers the service and material (an expired one is named, with its end);
// at its concurrent-loan limit; no copy that may be lent. The limit comes
// after the partnership because it needs the lender's live counters, and
// those are read only for libraries that may lend to the borrower at all.
//
// At national scale most holders of a popular title share no partnership
// with a given borrower. The engine passes those as `outsiders`, sorted out
// by the partnerships' member bits alone: routing reads no counters for
// them and looks at the views of only the few it lists.
//
// Score, each component in [0, 1], weighted (RoutingWeights):
//   availability  on the shelf 1.0, unknown 0.5, on loan 0.2
//   distance      1 / (1 + km / 300), km great-circle to the pickup library
//                 plus a fixed cost for crossing islands or provinces
//   load          fair share, after ReShare's ratio: a library that has
//                 lent more than it borrowed, or has many requests waiting
//                 on it or many loans out, scores lower
//                 = 1 / (1 + max(0, lent - borrowed) / 10
//                        + (open_queue + loans_out) / 10)
//   performance   measured fill rate (Laplace-smoothed, filled+1 /
//                 answered+2, answered = asked - still waiting)
//                 and mean time to first answer (1 / (1 + hours / 48)),
//                 averaged; a library never asked scores 0.5 on each
//   tier          1 / tier of the best shared partnership (city 1,
//                 province 2, national 3)
// Lenders of last resort go after all others. Ties break on distance, then
// library id, never on input order.
//
// The rota keeps the best `window` lenders, each with the figures behind
// its rank, and the first `filtered_window` filtered libraries (by id)
// with why; Rota says how many more there were. When a request has asked
// its whole window, the engine plans the next window over the holders not
// yet tried. A window keeps the request record small whatever the number
// of holders.
//
// Entries store figures and reason codes, not sentences: sentences were
// over half of a stored request's bytes (1,450 of 2,614 on average in
// silang-bench's national network), and every transition rewrites the
// record. ExplainRanked and ExplainFiltered word them when a reply or an
// audit event needs them.
//
// Pure; thread-safe. Cost: one pass over the holders plus a partial sort;
// for outsiders, only the first filtered_window.
#ifndef SILANG_ENGINE_ROUTING_H_
#define SILANG_ENGINE_ROUTING_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/library_view.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

struct RoutingWeights {
  double availability = 0.35;
  double distance = 0.25;
  double load = 0.15;
  double performance = 0.10;
  double tier = 0.15;
  // Extra km charged for shipping between islands / provinces.
  double inter_island_km = 600;
  double inter_province_km = 150;
  // Lenders listed per rota window, and filtered libraries listed.
  int window = 25;
  int filtered_window = 50;

  // filtered_window as a count (0 if negative).
  size_t filtered_listed() const {
    return static_cast<size_t>(std::max(0, filtered_window));
  }
};

// What routing knows of one holder.
struct Holder {
  const LibraryView* library = nullptr;  // must outlive BuildRota
  // Its best copy (BetterCopy, engine/title_holders.h).
  storage::v1::Availability availability =
      storage::v1::AVAILABILITY_UNSPECIFIED;
  // Live counters (engine/counters.h, all-time key).
  int64_t loans_out = 0;          // lent and not back yet
  int64_t open_queue = 0;         // requests waiting for its answer
  int64_t lent_total = 0;
  int64_t borrowed_total = 0;
  int64_t requests_received = 0;  // times asked
  int64_t filled = 0;             // times it shipped
  double mean_first_answer_hours = -1;  // -1: never answered yet
};

struct RoutingInput {
  // All three required.
  const storage::v1::RequestRecord* request = nullptr;
  const LibraryView* borrower = nullptr;
  const LibraryView* pickup = nullptr;
  // Partnerships the borrowing library belongs to.
  std::vector<std::shared_ptr<const PartnershipView>> partnerships;
  // Holders examined in full, in any order: PlanRoute puts here those
  // that share a partnership with the borrower (all of them when
  // WorthSortingOutOutsiders is false); any holder may be here.
  std::vector<Holder> holders;
  // Holders that share none (SharesPartnership false), in library id order:
  // all filtered; only the first filtered_window are read, to list them.
  std::vector<const LibraryView*> outsiders;
  std::set<std::string> tried;  // library ids already asked
  absl::Time now;
};

struct Rota {
  std::vector<storage::v1::RotaEntryRecord> ranked;
  std::vector<storage::v1::RotaEntryRecord> filtered;
  int unlisted_ranked = 0;    // eligible lenders beyond the window
  int unlisted_filtered = 0;  // filtered libraries beyond the list
};

Rota BuildRota(const RoutingInput& input, const RoutingWeights& weights);

// True when sorting out outsiders pays: the borrower's partnerships list
// fewer members between them than half the libraries known, so most holders
// are likely outsiders. A borrower in partnerships with most of the network
// (a hub in every national partnership) shares one with nearly every
// holder, and testing each holder first would only add to its cost.
bool WorthSortingOutOutsiders(
    const std::vector<std::shared_ptr<const PartnershipView>>& partnerships);

// True if the library numbered `library_number` (LibraryNumber) is a member
// of one of the borrower's partnerships: whether it goes in `holders` or
// in `outsiders`.
bool SharesPartnership(
    const std::vector<std::shared_ptr<const PartnershipView>>& partnerships,
    uint32_t library_number);

// Why a ranked lender stands where it does, in words ("on shelf; 15 km;
// partnership kota-0142 (tier 1); 0 out, 0 queued; filled 0 of 0"), from
// the figures routing stored; a stored text (a retry's, an older record's)
// wins. "" for a filtered entry.
std::string ExplainRanked(const storage::v1::RotaEntryRecord& entry);
// Why a filtered holder was not asked, in words, from its reason code and
// the request's fixed fields (borrower, material); a stored text wins, and
// reasons that hang on anything that may change are stored as text. ""
// for a ranked entry.
std::string ExplainFiltered(const storage::v1::RotaEntryRecord& entry,
                            const storage::v1::RequestRecord& request);

}  // namespace silang

#endif  // SILANG_ENGINE_ROUTING_H_
