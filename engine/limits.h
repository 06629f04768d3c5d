// Size limits on what callers send. Over a string limit is
// InvalidArgument naming the field; over a list limit is ResourceExhausted.
#ifndef SILANG_ENGINE_LIMITS_H_
#define SILANG_ENGINE_LIMITS_H_

#include <cstddef>

namespace silang::limits {

inline constexpr size_t kIdLen = 64;            // library, partnership ids
inline constexpr size_t kIdempotencyKeyLen = 128;
inline constexpr size_t kPatronRefLen = 64;
inline constexpr size_t kRecordIdLen = 128;
inline constexpr size_t kNameLen = 200;
inline constexpr size_t kTitleLen = 500;
inline constexpr size_t kAuthorLen = 300;
inline constexpr size_t kShortFieldLen = 100;  // year, edition, regency
inline constexpr size_t kNoteLen = 1000;
inline constexpr size_t kTrackingRefLen = 200;
inline constexpr size_t kItemIdLen = 128;

inline constexpr size_t kMaxClosures = 200;
inline constexpr size_t kMaxPartnershipMembers = 10000;
inline constexpr size_t kMaxHoldingsPerCall = 1000;
inline constexpr int kMaxPageSize = 500;
inline constexpr int kDefaultPageSize = 50;

}  // namespace silang::limits

#endif  // SILANG_ENGINE_LIMITS_H_
