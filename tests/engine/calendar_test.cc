#include "engine/calendar.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang::calendar {
namespace {

using storage::v1::LibraryRecord;
using ::testing::HasSubstr;

absl::TimeZone Zone(absl::string_view name) {
  auto zone = ResolveTimeZone(name);
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

// Local wall-clock time in a zone.
absl::Time At(absl::string_view zone, int y, int mo, int d, int h = 0,
              int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Zone(zone));
}

LibraryRecord Library(absl::string_view zone) {
  LibraryRecord lib;
  lib.set_id("lib");
  lib.set_time_zone(std::string(zone));
  return lib;
}

void AddClosure(LibraryRecord& lib, absl::string_view from,
                absl::string_view to) {
  auto* c = lib.add_closures();
  c->set_from_date(std::string(from));
  c->set_to_date(std::string(to));
  c->set_reason("Nyepi");
}

// Hours east of UTC at t.
int OffsetHours(absl::TimeZone zone, absl::Time t) {
  return zone.At(t).offset / 3600;
}

TEST(CalendarTest, IndonesianZonesResolve) {
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2024, 3, 1, 0, 0, 0),
                                       absl::UTCTimeZone());
  EXPECT_EQ(OffsetHours(Zone("WIB"), t), 7);
  EXPECT_EQ(OffsetHours(Zone("WITA"), t), 8);
  EXPECT_EQ(OffsetHours(Zone("WIT"), t), 9);
  EXPECT_EQ(Zone("WIB").name(), "Asia/Jakarta");
  EXPECT_EQ(Zone("WITA").name(), "Asia/Makassar");
  EXPECT_EQ(Zone("WIT").name(), "Asia/Jayapura");
  // Empty means WIB; IANA names pass through.
  EXPECT_EQ(Zone("").name(), "Asia/Jakarta");
  EXPECT_EQ(OffsetHours(Zone("Asia/Makassar"), t), 8);
}

TEST(CalendarTest, UnknownZoneIsInvalidArgument) {
  for (absl::string_view name : {"Mars/Olympus_Mons", "WITX", "wib"}) {
    auto zone = ResolveTimeZone(name);
    ASSERT_FALSE(zone.ok()) << name;
    EXPECT_EQ(zone.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(zone.status().message(), HasSubstr("time_zone"));
    EXPECT_THAT(zone.status().message(), HasSubstr(std::string(name)));
  }
}

TEST(CalendarTest, ParseDay) {
  auto day = ParseDay("2024-03-01");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(*day, absl::CivilDay(2024, 3, 1));
  for (absl::string_view bad : {"2024-3-1", "01-03-2024", "2024/03/01",
                                "2024-03-01T00", "", "tomorrow"}) {
    auto got = ParseDay(bad);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CalendarTest, IsClosedOnWeekendsAndClosures) {
  LibraryRecord lib = Library("WIB");
  // 2024-03-01 is a Friday.
  EXPECT_FALSE(IsClosedOn(lib, absl::CivilDay(2024, 3, 1)));
  EXPECT_TRUE(IsClosedOn(lib, absl::CivilDay(2024, 3, 2)));   // Saturday
  EXPECT_TRUE(IsClosedOn(lib, absl::CivilDay(2024, 3, 3)));   // Sunday
  EXPECT_FALSE(IsClosedOn(lib, absl::CivilDay(2024, 3, 4)));  // Monday

  AddClosure(lib, "2024-03-11", "2024-03-12");
  EXPECT_FALSE(IsClosedOn(lib, absl::CivilDay(2024, 3, 8)));
  EXPECT_TRUE(IsClosedOn(lib, absl::CivilDay(2024, 3, 11)));  // first day
  EXPECT_TRUE(IsClosedOn(lib, absl::CivilDay(2024, 3, 12)));  // last day
  EXPECT_FALSE(IsClosedOn(lib, absl::CivilDay(2024, 3, 13)));

  // A malformed closure closes nothing.
  LibraryRecord bad = Library("WIB");
  AddClosure(bad, "someday", "2024-03-13");
  EXPECT_FALSE(IsClosedOn(bad, absl::CivilDay(2024, 3, 12)));
}

TEST(CalendarTest, AddBusinessDaysSameWeek) {
  LibraryRecord lib = Library("WIB");
  absl::TimeZone wib = Zone("WIB");
  // Monday 10:00 + 1 -> end of Tuesday = Wednesday 00:00.
  EXPECT_EQ(AddBusinessDays(At("WIB", 2024, 3, 4, 10), 1, lib, wib),
            At("WIB", 2024, 3, 6));
  // Monday + 4 -> end of Friday.
  EXPECT_EQ(AddBusinessDays(At("WIB", 2024, 3, 4, 10), 4, lib, wib),
            At("WIB", 2024, 3, 9));
}

TEST(CalendarTest, AddBusinessDaysAcrossWeekend) {
  LibraryRecord lib = Library("Asia/Jakarta");
  absl::TimeZone wib = Zone("Asia/Jakarta");
  // Friday 2024-03-01 10:00 WIB + 1 business day -> end of Monday, i.e.
  // Tuesday 00:00 WIB.
  absl::Time deadline = AddBusinessDays(At("WIB", 2024, 3, 1, 10), 1, lib, wib);
  EXPECT_EQ(deadline, At("WIB", 2024, 3, 5, 0));
  EXPECT_EQ(deadline, absl::FromCivil(absl::CivilSecond(2024, 3, 4, 17, 0, 0),
                                      absl::UTCTimeZone()));
  // Saturday and Sunday starts count from Monday as well.
  EXPECT_EQ(AddBusinessDays(At("WIB", 2024, 3, 2, 9), 1, lib, wib),
            At("WIB", 2024, 3, 5));
  EXPECT_EQ(AddBusinessDays(At("WIB", 2024, 3, 3, 23, 59), 1, lib, wib),
            At("WIB", 2024, 3, 5));
}

TEST(CalendarTest, AddBusinessDaysAcrossClosure) {
  LibraryRecord lib = Library("WITA");
  absl::TimeZone wita = Zone("WITA");
  AddClosure(lib, "2024-03-11", "2024-03-12");  // Monday, Tuesday
  // Friday + 1: the weekend and the closure are skipped -> end of Wednesday.
  EXPECT_EQ(AddBusinessDays(At("WITA", 2024, 3, 8, 15), 1, lib, wita),
            At("WITA", 2024, 3, 14));
  // Friday + 4: Wed, Thu, Fri, then Mon 18th -> Tuesday 19th 00:00.
  EXPECT_EQ(AddBusinessDays(At("WITA", 2024, 3, 8, 15), 4, lib, wita),
            At("WITA", 2024, 3, 19));
}

TEST(CalendarTest, SameInstantDifferentZonesGiveDifferentDeadlines) {
  // Friday 2024-03-01 23:00 WIB is Saturday 01:00 WIT.
  const absl::Time t = At("WIB", 2024, 3, 1, 23);
  ASSERT_EQ(absl::ToCivilDay(t, Zone("WIB")), absl::CivilDay(2024, 3, 1));
  ASSERT_EQ(absl::ToCivilDay(t, Zone("WIT")), absl::CivilDay(2024, 3, 2));
  absl::Time wib = AddBusinessDays(t, 1, Library("WIB"), Zone("WIB"));
  absl::Time wit = AddBusinessDays(t, 1, Library("WIT"), Zone("WIT"));
  // Both end on Monday, each at its own local midnight.
  EXPECT_EQ(wib, At("WIB", 2024, 3, 5));
  EXPECT_EQ(wit, At("WIT", 2024, 3, 5));
  EXPECT_EQ(wib - wit, absl::Hours(2));

  // Thursday 23:00 WIB is already Friday in WIT: a whole weekend apart.
  const absl::Time thu = At("WIB", 2024, 2, 29, 23);
  absl::Time thu_wib = AddBusinessDays(thu, 1, Library("WIB"), Zone("WIB"));
  absl::Time thu_wit = AddBusinessDays(thu, 1, Library("WIT"), Zone("WIT"));
  EXPECT_EQ(thu_wib, At("WIB", 2024, 3, 2));  // end of Friday
  EXPECT_EQ(thu_wit, At("WIT", 2024, 3, 5));  // end of Monday
}

TEST(CalendarTest, AddOpenHoursWithinADay) {
  LibraryRecord lib = Library("WIB");
  EXPECT_EQ(AddOpenHours(At("WIB", 2024, 3, 4, 9), 5, lib, Zone("WIB")),
            At("WIB", 2024, 3, 4, 14));
}

TEST(CalendarTest, AddOpenHoursSkipsWeekend) {
  LibraryRecord lib = Library("WIB");
  // Friday 20:00: 4 hours left on Friday, the weekend does not count, then
  // 20 hours of Monday -> Monday 20:00.
  EXPECT_EQ(AddOpenHours(At("WIB", 2024, 3, 1, 20), 24, lib, Zone("WIB")),
            At("WIB", 2024, 3, 4, 20));
  // Starting on a Saturday, the count starts Monday 00:00.
  EXPECT_EQ(AddOpenHours(At("WIB", 2024, 3, 2, 12), 24, lib, Zone("WIB")),
            At("WIB", 2024, 3, 5, 0));
}

TEST(CalendarTest, AddOpenHoursSkipsClosure) {
  LibraryRecord lib = Library("WIT");
  AddClosure(lib, "2024-03-05", "2024-03-05");  // Tuesday
  EXPECT_EQ(AddOpenHours(At("WIT", 2024, 3, 4, 12), 24, lib, Zone("WIT")),
            At("WIT", 2024, 3, 6, 12));
}

}  // namespace
}  // namespace silang::calendar
