// What routing needs of a library or a partnership, computed once: the
// record plus its parsed time zone, closure days, validity dates and
// memberships. Directory caches these (Directory::LibraryView) so a routing
// decision over thousands of holders parses nothing and copies no record.
// Immutable once made; shared by pointer; thread-safe.
#ifndef SILANG_ENGINE_LIBRARY_VIEW_H_
#define SILANG_ENGINE_LIBRARY_VIEW_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/geo.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

// A small number standing for a library id in this process, dense from 1
// (equal numbers, equal ids), for tables indexed by library
// (LibraryStatsCache). Never reused; about 50 bytes per library.
uint32_t LibraryNumber(absl::string_view id);
// How many library numbers were handed out so far (the largest one).
uint32_t LibraryNumbersInUse();

struct LibraryView {
  // Routing reads these for every holder of a title, so they come first
  // and are copied out of the record: one decision may walk 10,000 views,
  // and the record's id string, its policy and each repeated field live in
  // allocations of their own, a cache miss each (at 10,000 holders, most of
  // a decision's time).
  uint32_t number = 0;  // LibraryNumber(id())
  // Its province and island as small numbers (equal numbers, equal
  // names; 0: empty).
  uint32_t province = 0;
  uint32_t island = 0;
  uint32_t service_mask = 0;   // bit t set: policy().services() has t
  uint32_t material_mask = 0;  // bit m set: it lends material m (the
                               // policy's list, or every bit when empty)
  int32_t max_concurrent_loans = 0;  // policy's; 0: no limit
  bool suspended = false;            // status SUSPENDED
  bool last_resort = false;          // lender_of_last_resort
  // False when memberships were not looked up: routing then reads each
  // partnership's member list instead.
  bool partnerships_known = false;
  geo::UnitVector position;
  absl::TimeZone zone;  // UTC if the record's zone does not resolve
  // The ids of partnership_ids as PartnershipView::number values, sorted.
  absl::InlinedVector<uint32_t, 6> partnership_numbers;
  // Closed periods, both ends inclusive, in the library's own days.
  std::vector<std::pair<absl::CivilDay, absl::CivilDay>> closures;

  storage::v1::LibraryRecord record;
  // Ids of the partnerships it belongs to, sorted (partnerships_known).
  std::vector<std::string> partnership_ids;

  // True if its policy lends service t / material m (valid enum values).
  bool Lends(storage::v1::ServiceType t) const {
    return t >= 0 && t < 32 && (service_mask >> t & 1) != 0;
  }
  bool LendsMaterial(storage::v1::MaterialType m) const {
    return m >= 0 && m < 32 && (material_mask >> m & 1) != 0;
  }

  const std::string& id() const { return record.id(); }
  // Index of the closure covering `day`, or -1.
  int ClosureOn(absl::CivilDay day) const;

  // Set when the directory drops this view from its cache, or replaces it
  // with a new one, because the library or its memberships changed.
  // Whoever kept the view beyond one decision (the title-holders cache)
  // looks the library up again when it sees the flag.
  bool superseded() const {
    return superseded_.value.load(std::memory_order_acquire);
  }
  void MarkSuperseded() const {
    superseded_.value.store(true, std::memory_order_release);
  }

  static std::shared_ptr<const LibraryView> Make(
      storage::v1::LibraryRecord record);
  static std::shared_ptr<const LibraryView> Make(
      storage::v1::LibraryRecord record,
      std::vector<std::string> partnership_ids);
  // This view with other memberships: what Make would build from the same
  // record, without parsing the record's zone, closures and place again
  // (a partnership write changes the memberships of up to 10,000 members).
  std::shared_ptr<const LibraryView> WithPartnerships(
      std::vector<std::string> partnership_ids) const;

 private:
  // A copy of a view is a new view: not superseded.
  struct Flag {
    Flag() = default;
    Flag(const Flag&) {}
    Flag& operator=(const Flag&) = delete;
    mutable std::atomic<bool> value{false};
  };
  Flag superseded_;
};

struct PartnershipView {
  storage::v1::PartnershipRecord record;
  absl::CivilDay valid_from;
  absl::CivilDay valid_until;
  int tier = 1;  // at least 1
  // A small number standing for the id in this process (see
  // LibraryView::partnership_numbers): equal numbers, equal ids.
  uint32_t number = 0;
  // Its members as a bit per LibraryNumber, so routing can tell whether a
  // holder shares it with the borrower without touching the holder's view
  // (about 22 KB for a network of 180,000 libraries).
  std::vector<uint64_t> member_bits;

  const std::string& id() const { return record.id(); }
  bool HasMember(uint32_t library_number) const {
    const size_t word = library_number / 64;
    return word < member_bits.size() &&
           (member_bits[word] >> (library_number % 64) & 1) != 0;
  }
  static std::shared_ptr<const PartnershipView> Make(
      storage::v1::PartnershipRecord record);
};

}  // namespace silang

#endif  // SILANG_ENGINE_LIBRARY_VIEW_H_
