// Routing policy: from the holders of a title to a ranked rota, with every
// filtered-out library and the reason it was not asked.
//
// Hard filters, each recorded against the library it removes: the borrowing
// library itself (a local copy is reported, not routed); suspended; closed
// today in its own time zone; no shared active partnership covering the
// service and material; the lender's policy excludes them; no copy that may
// be lent; already tried for this request.
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
//   performance   measured fill rate (Laplace-smoothed, filled+1 / asked+2)
//                 and mean time to first answer (1 / (1 + hours / 48)),
//                 averaged; a library never asked scores 0.5 on each
//   tier          1 / partnership tier (city 1, province 2, national 3)
// Lenders of last resort go after all others. Ties break on distance, then
// library id, never on input order.
//
// Pure; thread-safe.
#ifndef SILANG_ENGINE_ROUTING_H_
#define SILANG_ENGINE_ROUTING_H_

#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
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
};

// What routing knows of one holder.
struct Holder {
  storage::v1::LibraryRecord library;
  std::vector<storage::v1::HoldingRecord> items;
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
  const storage::v1::RequestRecord* request = nullptr;
  const storage::v1::LibraryRecord* borrower = nullptr;
  const storage::v1::LibraryRecord* pickup = nullptr;
  // Partnerships the borrowing library belongs to.
  std::vector<storage::v1::PartnershipRecord> partnerships;
  std::vector<Holder> holders;
  std::set<std::string> tried;  // library ids already asked
  absl::Time now;
};

struct Rota {
  std::vector<storage::v1::RotaEntryRecord> ranked;
  std::vector<storage::v1::RotaEntryRecord> filtered;
};

Rota BuildRota(const RoutingInput& input, const RoutingWeights& weights);

}  // namespace silang

#endif  // SILANG_ENGINE_ROUTING_H_
