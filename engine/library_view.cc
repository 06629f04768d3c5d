#include "engine/library_view.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "engine/calendar.h"

namespace silang {

int LibraryView::ClosureOn(absl::CivilDay day) const {
  for (size_t i = 0; i < closures.size(); ++i) {
    if (closures[i].first <= day && day <= closures[i].second) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

namespace {

// A number per distinct name, for the process's lifetime (provinces,
// islands and partnership ids: at most thousands).
uint32_t Intern(const std::string& name) {
  if (name.empty()) return 0;
  static absl::Mutex mu(absl::kConstInit);
  // Never destroyed: views may be made while the process exits.
  static auto* ids = new absl::flat_hash_map<std::string, uint32_t>();
  absl::MutexLock lock(&mu);
  auto [it, added] = ids->try_emplace(name, ids->size() + 1);
  return it->second;
}

// The largest LibraryNumber handed out, readable without its lock.
std::atomic<uint32_t> library_numbers_in_use{0};

}  // namespace

uint32_t LibraryNumber(absl::string_view id) {
  static absl::Mutex mu(absl::kConstInit);
  // Never destroyed, as above.
  static auto* numbers = new absl::flat_hash_map<std::string, uint32_t>();
  absl::MutexLock lock(&mu);
  auto [it, added] = numbers->try_emplace(id, numbers->size() + 1);
  if (added)
    library_numbers_in_use.store(it->second, std::memory_order_relaxed);
  return it->second;
}

uint32_t LibraryNumbersInUse() {
  return library_numbers_in_use.load(std::memory_order_relaxed);
}

namespace {

uint32_t MaskOf(const google::protobuf::RepeatedField<int>& values) {
  uint32_t mask = 0;
  for (int v : values) {
    if (v >= 0 && v < 32) mask |= uint32_t{1} << v;
  }
  return mask;
}

// The record's fields routing checks per holder (LibraryView's first
// members). Cheap: no parsing, no interning.
void CopyRoutingFields(LibraryView& view) {
  const storage::v1::LibraryRecord& r = view.record;
  view.service_mask = MaskOf(r.policy().services());
  view.material_mask = r.policy().material_types().empty()
                           ? ~uint32_t{0}
                           : MaskOf(r.policy().material_types());
  view.max_concurrent_loans = r.policy().max_concurrent_loans();
  view.suspended = r.status() == storage::v1::LIBRARY_STATUS_SUSPENDED;
  view.last_resort = r.lender_of_last_resort();
}

std::shared_ptr<LibraryView> MakeView(storage::v1::LibraryRecord record) {
  auto view = std::make_shared<LibraryView>();
  view->number = LibraryNumber(record.id());
  view->position = geo::ToUnitVector(record.lat(), record.lon());
  view->province = Intern(record.province());
  view->island = Intern(record.island());
  auto zone = calendar::ResolveTimeZone(record.time_zone());
  view->zone = zone.ok() ? *zone : absl::UTCTimeZone();
  for (const auto& c : record.closures()) {
    auto from = calendar::ParseDay(c.from_date());
    auto to = calendar::ParseDay(c.to_date());
    // Closures are validated when stored; a bad one closes nothing.
    if (from.ok() && to.ok()) view->closures.emplace_back(*from, *to);
  }
  view->record = std::move(record);
  CopyRoutingFields(*view);
  return view;
}

}  // namespace

std::shared_ptr<const LibraryView> LibraryView::Make(
    storage::v1::LibraryRecord record) {
  return MakeView(std::move(record));
}

namespace {

void SetPartnerships(LibraryView& view,
                     std::vector<std::string> partnership_ids) {
  std::sort(partnership_ids.begin(), partnership_ids.end());
  view.partnership_numbers.clear();
  for (const std::string& id : partnership_ids) {
    view.partnership_numbers.push_back(Intern(id));
  }
  std::sort(view.partnership_numbers.begin(), view.partnership_numbers.end());
  view.partnership_ids = std::move(partnership_ids);
  view.partnerships_known = true;
}

}  // namespace

std::shared_ptr<const LibraryView> LibraryView::Make(
    storage::v1::LibraryRecord record,
    std::vector<std::string> partnership_ids) {
  auto view = MakeView(std::move(record));
  SetPartnerships(*view, std::move(partnership_ids));
  return view;
}

std::shared_ptr<const LibraryView> LibraryView::WithPartnerships(
    std::vector<std::string> partnership_ids) const {
  auto view = std::make_shared<LibraryView>(*this);
  SetPartnerships(*view, std::move(partnership_ids));
  return view;
}

std::shared_ptr<const PartnershipView> PartnershipView::Make(
    storage::v1::PartnershipRecord record) {
  auto view = std::make_shared<PartnershipView>();
  auto from = calendar::ParseDay(record.valid_from());
  auto until = calendar::ParseDay(record.valid_until());
  // Validated when stored; unparsable dates make it never valid.
  view->valid_from = from.ok() ? *from : absl::CivilDay(9999, 12, 31);
  view->valid_until = until.ok() ? *until : absl::CivilDay(1970, 1, 1);
  view->tier = std::max(1, record.tier());
  view->number = Intern(record.id());
  for (const std::string& member : record.member_ids()) {
    const uint32_t n = LibraryNumber(member);
    if (view->member_bits.size() <= n / 64) {
      view->member_bits.resize(n / 64 + 1);
    }
    view->member_bits[n / 64] |= uint64_t{1} << (n % 64);
  }
  view->record = std::move(record);
  return view;
}

}  // namespace silang
