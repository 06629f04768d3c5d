#include "engine/title_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/keys.h"
#include "engine/limits.h"

namespace silang {
namespace {

// Digits and X, without separators.
std::string Compact(absl::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c == '-' || c == ' ') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

char Isbn13Check(absl::string_view first12) {
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) {
    sum += (first12[i] - '0') * (i % 2 == 0 ? 1 : 3);
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace

absl::StatusOr<std::string> NormalizeIsbn(absl::string_view raw) {
  std::string s = Compact(raw);
  if (s.size() == 10) {
    if (!AllDigits(s.substr(0, 9)) ||
        !(absl::ascii_isdigit(static_cast<unsigned char>(s[9])) ||
          s[9] == 'X')) {
      return absl::InvalidArgumentError(
          absl::StrCat("isbn \"", raw, "\": not an ISBN-10 or ISBN-13"));
    }
    int sum = 0;
    for (int i = 0; i < 10; ++i) {
      int v = s[i] == 'X' ? 10 : s[i] - '0';
      sum += v * (10 - i);
    }
    if (sum % 11 != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("isbn \"", raw, "\": bad ISBN-10 check digit"));
    }
    std::string isbn13 = absl::StrCat("978", s.substr(0, 9));
    isbn13.push_back(Isbn13Check(isbn13));
    return isbn13;
  }
  if (s.size() == 13 && AllDigits(s)) {
    if (!absl::StartsWith(s, "978") && !absl::StartsWith(s, "979")) {
      return absl::InvalidArgumentError(
          absl::StrCat("isbn \"", raw, "\": ISBN-13 must start 978 or 979"));
    }
    if (Isbn13Check(s) != s[12]) {
      return absl::InvalidArgumentError(
          absl::StrCat("isbn \"", raw, "\": bad ISBN-13 check digit"));
    }
    return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("isbn \"", raw, "\": not an ISBN-10 or ISBN-13"));
}

absl::StatusOr<std::string> NormalizeIssn(absl::string_view raw) {
  std::string s = Compact(raw);
  if (s.size() != 8 || !AllDigits(s.substr(0, 7)) ||
      !(absl::ascii_isdigit(static_cast<unsigned char>(s[7])) ||
        s[7] == 'X')) {
    return absl::InvalidArgumentError(
        absl::StrCat("issn \"", raw, "\": not an ISSN"));
  }
  int sum = 0;
  for (int i = 0; i < 7; ++i) sum += (s[i] - '0') * (8 - i);
  int check = (11 - sum % 11) % 11;
  char want = check == 10 ? 'X' : static_cast<char>('0' + check);
  if (want != s[7]) {
    return absl::InvalidArgumentError(
        absl::StrCat("issn \"", raw, "\": bad check digit"));
  }
  return absl::StrCat(s.substr(0, 4), "-", s.substr(4));
}

std::string IsbnKey(absl::string_view isbn13) {
  return absl::StrCat("isbn:", isbn13);
}
std::string IssnKey(absl::string_view issn) {
  return absl::StrCat("issn:", issn);
}
std::string RecordKey(absl::string_view record_id) {
  return absl::StrCat("rec:", record_id);
}

absl::Status ValidateTitleKey(absl::string_view key) {
  if (!keys::ValidPart(key) || key.size() > limits::kRecordIdLen + 4) {
    return absl::InvalidArgumentError("title: malformed title key");
  }
  if (absl::StartsWith(key, "isbn:")) {
    auto n = NormalizeIsbn(key.substr(5));
    if (!n.ok() || *n != key.substr(5)) {
      return absl::InvalidArgumentError(
          absl::StrCat("title: \"", key, "\" is not a normalized ISBN-13"));
    }
    return absl::OkStatus();
  }
  if (absl::StartsWith(key, "issn:")) {
    auto n = NormalizeIssn(key.substr(5));
    if (!n.ok() || *n != key.substr(5)) {
      return absl::InvalidArgumentError(
          absl::StrCat("title: \"", key, "\" is not a normalized ISSN"));
    }
    return absl::OkStatus();
  }
  if (absl::StartsWith(key, "rec:") && key.size() > 4) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("title: \"", key, "\" is not isbn:, issn: or rec:"));
}

}  // namespace silang
