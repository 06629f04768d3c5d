#include "tools/silangctl/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace silang::ctl {
namespace {

using google::protobuf::EnumDescriptor;

// "REQUEST_STATE_" for RequestState: value 0 is always <PREFIX>UNSPECIFIED.
std::string Prefix(const EnumDescriptor& type) {
  std::string zero = type.FindValueByNumber(0)->name();
  return zero.substr(0, zero.size() - std::string("UNSPECIFIED").size());
}

absl::Time ToAbsl(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

}  // namespace

std::string ShortName(const EnumDescriptor& type, int value) {
  const google::protobuf::EnumValueDescriptor* found =
      type.FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  return found->name().substr(Prefix(type).size());
}

std::optional<int> ParseEnum(const EnumDescriptor& type,
                             const std::string& text) {
  const std::string wanted = absl::StrCat(
      Prefix(type),
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  const google::protobuf::EnumValueDescriptor* found =
      type.FindValueByName(wanted);
  if (found == nullptr || found->number() == 0) return std::nullopt;
  return found->number();
}

std::string EnumChoices(const EnumDescriptor& type) {
  std::string out;
  for (int i = 0; i < type.value_count(); ++i) {
    const int number = type.value(i)->number();
    if (number == 0) continue;
    absl::StrAppend(&out, out.empty() ? "" : "|",
                    absl::AsciiStrToLower(absl::StrReplaceAll(
                        ShortName(type, number), {{"_", "-"}})));
  }
  return out;
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToAbsl(time),
                          absl::UTCTimeZone());
}

absl::StatusOr<google::protobuf::Timestamp> ParseTime(const std::string& text) {
  absl::Time time;
  absl::CivilDay day;
  std::string error;
  if (absl::ParseCivilTime(text, &day)) {
    time = absl::FromCivil(day + 1, absl::UTCTimeZone()) - absl::Seconds(1);
  } else if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad time \"", text, "\": want YYYY-MM-DD or RFC3339 (", error, ")"));
  }
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(time));
  return out;
}

bool IsDay(const std::string& text) {
  absl::CivilDay day;
  return text.size() == 10 && absl::ParseCivilTime(text, &day);
}

}  // namespace silang::ctl
