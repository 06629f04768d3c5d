// Wall-clock times in Western Indonesia Time (WIB, UTC+7), where most of the
// tests' libraries are: Wib(2024, 3, 6, 10) is 10:00 WIB on 6 March 2024.
#ifndef SILANG_TESTS_TESTING_WIB_H_
#define SILANG_TESTS_TESTING_WIB_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace silang::testing {

inline const absl::TimeZone kWib = absl::FixedTimeZone(7 * 3600);

inline absl::Time Wib(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), kWib);
}

}  // namespace silang::testing

#endif  // SILANG_TESTS_TESTING_WIB_H_
