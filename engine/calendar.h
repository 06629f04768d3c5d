// Business-day arithmetic in a library's own time zone, for lender
// response deadlines: weekends and the library's closures do not count.
//
// A deadline of N business days falls at the end (local midnight) of the
// Nth open day after the day the request arrived. Rush service counts N
// open hours instead. Pure functions; thread-safe.
#ifndef SILANG_ENGINE_CALENDAR_H_
#define SILANG_ENGINE_CALENDAR_H_


#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "silang/storage/v1/records.pb.h"

namespace silang::calendar {

// "WIB", "WITA", "WIT" or an IANA zone name such as "Asia/Makassar".
absl::StatusOr<absl::TimeZone> ResolveTimeZone(absl::string_view name);

// Parses "YYYY-MM-DD".
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text);

// True if the library is closed all day: a weekend or inside a closure.
bool IsClosedOn(const storage::v1::LibraryRecord& library,
                absl::CivilDay day);

// The end of the `days`th open day after `start`'s local day.
// REQUIRES: days >= 1.
absl::Time AddBusinessDays(absl::Time start, int days,
                           const storage::v1::LibraryRecord& library,
                           absl::TimeZone zone);

// `start` plus `hours` hours that fall on open days.
// REQUIRES: hours >= 1.
absl::Time AddOpenHours(absl::Time start, int hours,
                        const storage::v1::LibraryRecord& library,
                        absl::TimeZone zone);

}  // namespace silang::calendar

#endif  // SILANG_ENGINE_CALENDAR_H_
