#include "engine/calendar.h"

#include "absl/strings/str_cat.h"

namespace silang::calendar {

absl::StatusOr<absl::TimeZone> ResolveTimeZone(absl::string_view name) {
  std::string iana(name);
  if (name == "WIB" || name.empty()) iana = "Asia/Jakarta";
  if (name == "WITA") iana = "Asia/Makassar";
  if (name == "WIT") iana = "Asia/Jayapura";
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(iana, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time_zone: \"", name, "\" is not WIB, WITA, WIT or an IANA zone"));
  }
  return zone;
}

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a date (YYYY-MM-DD)"));
  }
  return day;
}

bool IsClosedOn(const storage::v1::LibraryRecord& library,
                absl::CivilDay day) {
  absl::Weekday wd = absl::GetWeekday(day);
  if (wd == absl::Weekday::saturday || wd == absl::Weekday::sunday) {
    return true;
  }
  for (const auto& closure : library.closures()) {
    auto from = ParseDay(closure.from_date());
    auto to = ParseDay(closure.to_date());
    // Closures are validated when stored; a bad one closes nothing.
    if (from.ok() && to.ok() && *from <= day && day <= *to) return true;
  }
  return false;
}

absl::Time AddBusinessDays(absl::Time start, int days,
                           const storage::v1::LibraryRecord& library,
                           absl::TimeZone zone) {
  absl::CivilDay day = absl::ToCivilDay(start, zone);
  int counted = 0;
  // Bounded: a library closed for years still gets a deadline.
  for (int guard = 0; counted < days && guard < 3660; ++guard) {
    ++day;
    if (!IsClosedOn(library, day)) ++counted;
  }
  return absl::FromCivil(day + 1, zone);
}

absl::Time AddOpenHours(absl::Time start, int hours,
                        const storage::v1::LibraryRecord& library,
                        absl::TimeZone zone) {
  absl::Time t = start;
  int counted = 0;
  for (int guard = 0; counted < hours && guard < 24 * 3660; ++guard) {
    t += absl::Hours(1);
    if (!IsClosedOn(library, absl::ToCivilDay(t - absl::Minutes(1), zone))) {
      ++counted;
    }
  }
  return t;
}

}  // namespace silang::calendar
