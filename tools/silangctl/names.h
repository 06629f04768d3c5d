// How silangctl spells API enums and times, both ways: on the command line
// ("not-on-shelf", "2026-11-25") and in its output ("NOT_ON_SHELF",
// "2026-11-25T17:00:00Z"). Pure functions over the proto descriptors, so
// every enum of the API is covered without a table per type.
#ifndef SILANG_TOOLS_SILANGCTL_NAMES_H_
#define SILANG_TOOLS_SILANGCTL_NAMES_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace silang::ctl {

// The value's name without its type prefix: "SHIPPED" for
// REQUEST_STATE_SHIPPED. A number the descriptor does not know prints as
// such, so output from a newer server still reads.
std::string ShortName(const google::protobuf::EnumDescriptor& type, int value);

template <typename E>
std::string ShortName(E value) {
  return ShortName(*google::protobuf::GetEnumDescriptor<E>(), value);
}

// The value for a short name, case-insensitive, '-' read as '_':
// "not-on-shelf" and "NOT_ON_SHELF" are REASON_NOT_ON_SHELF. The
// UNSPECIFIED value is never accepted.
std::optional<int> ParseEnum(const google::protobuf::EnumDescriptor& type,
                             const std::string& text);

// Every accepted short name, for help text: "book|serial|...".
std::string EnumChoices(const google::protobuf::EnumDescriptor& type);

// RFC3339 in UTC to the second; "" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& time);

// RFC3339 ("2026-11-25T17:00:00+07:00"), or a bare day "YYYY-MM-DD", which
// means the last second of that day in UTC: for libraries east of
// Greenwich that is a few hours into the next local day, so a due date
// given as a day never falls before that day is over.
absl::StatusOr<google::protobuf::Timestamp> ParseTime(const std::string& text);

// True for a valid "YYYY-MM-DD".
bool IsDay(const std::string& text);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_NAMES_H_
