#include "engine/library_view.h"

#include <algorithm>

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

bool LibraryView::MemberOf(absl::string_view partnership_id) const {
  return std::binary_search(partnership_ids.begin(), partnership_ids.end(),
                            partnership_id);
}

namespace {

std::shared_ptr<LibraryView> MakeView(storage::v1::LibraryRecord record) {
  auto view = std::make_shared<LibraryView>();
  auto zone = calendar::ResolveTimeZone(record.time_zone());
  view->zone = zone.ok() ? *zone : absl::UTCTimeZone();
  for (const auto& c : record.closures()) {
    auto from = calendar::ParseDay(c.from_date());
    auto to = calendar::ParseDay(c.to_date());
    // Closures are validated when stored; a bad one closes nothing.
    if (from.ok() && to.ok()) view->closures.emplace_back(*from, *to);
  }
  view->record = std::move(record);
  return view;
}

}  // namespace

std::shared_ptr<const LibraryView> LibraryView::Make(
    storage::v1::LibraryRecord record) {
  return MakeView(std::move(record));
}

std::shared_ptr<const LibraryView> LibraryView::Make(
    storage::v1::LibraryRecord record,
    std::vector<std::string> partnership_ids) {
  auto view = MakeView(std::move(record));
  std::sort(partnership_ids.begin(), partnership_ids.end());
  view->partnership_ids = std::move(partnership_ids);
  view->partnerships_known = true;
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
  view->record = std::move(record);
  return view;
}

}  // namespace silang
