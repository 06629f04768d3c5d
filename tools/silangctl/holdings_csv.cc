#include "tools/silangctl/holdings_csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/silangctl/names.h"
#include "tools/silangctl/session.h"

namespace silang::ctl {
namespace {

constexpr char kHeader[] = "isbn,item_id,availability,call_number";
constexpr size_t kColumns = 4;

// Splits one CSV line; nullopt on an unterminated quote.
std::optional<std::vector<std::string>> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  for (std::string& field : fields) absl::StripAsciiWhitespace(&field);
  return fields;
}

}  // namespace

std::optional<v1::Availability> ParseAvailability(const std::string& text) {
  if (text.empty() || absl::AsciiStrToLower(text) == "unknown") {
    return v1::AVAILABILITY_UNSPECIFIED;
  }
  std::optional<int> number = ParseEnum(*v1::Availability_descriptor(), text);
  if (!number.has_value()) return std::nullopt;
  return static_cast<v1::Availability>(*number);
}

absl::StatusOr<std::vector<v1::Holding>> ReadHoldingsCsv(
    std::istream& in, const std::string& name) {
  std::vector<v1::Holding> holdings;
  std::string line;
  int number = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = absl::StrCat(name, ":", number, ": ");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::optional<std::vector<std::string>> fields = SplitCsv(line);
    if (!fields.has_value()) return UsageError(where + "unterminated quote");
    if (!header_seen) {
      if (absl::AsciiStrToLower(absl::StrJoin(*fields, ",")) != kHeader) {
        return UsageError(
            absl::StrCat(where, "the first line must be ", kHeader));
      }
      header_seen = true;
      continue;
    }
    if (fields->size() != kColumns) {
      return UsageError(absl::StrCat(where, "want ", kColumns,
                                     " fields, found ", fields->size()));
    }
    const std::vector<std::string>& f = *fields;
    std::optional<v1::Availability> availability = ParseAvailability(f[2]);
    if (f[0].empty() || f[1].empty()) {
      return UsageError(where + "isbn and item_id are required");
    }
    if (!availability.has_value()) {
      return UsageError(
          absl::StrCat(where, "unknown availability \"", f[2], "\""));
    }
    v1::Holding& holding = holdings.emplace_back();
    holding.mutable_title()->set_isbn(f[0]);
    holding.set_item_id(f[1]);
    holding.set_availability(*availability);
    holding.set_call_number(f[3]);
  }
  if (in.bad()) return UsageError(name + ": read error");
  if (!header_seen) return UsageError(name + ": empty file");
  return holdings;
}

}  // namespace silang::ctl
