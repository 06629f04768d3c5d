// Title keys: how the union catalogue names a title, as stored in keys.
//
//   "isbn:" ISBN-13 digits          e.g. isbn:9786020332956
//   "issn:" NNNN-NNNC               e.g. issn:0317-8471
//   "rec:"  catalogue record id     e.g. rec:koha-1234
//
// ISBN-10s become ISBN-13s (978 prefix) so both spellings of a book meet;
// check digits are validated. Pure functions; thread-safe.
#ifndef SILANG_ENGINE_TITLE_KEY_H_
#define SILANG_ENGINE_TITLE_KEY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace silang {

// Accepts ISBN-10 or ISBN-13 with hyphens or spaces; returns 13 digits.
absl::StatusOr<std::string> NormalizeIsbn(absl::string_view raw);
// Accepts "0317-8471" or "03178471"; returns "NNNN-NNNC".
absl::StatusOr<std::string> NormalizeIssn(absl::string_view raw);

std::string IsbnKey(absl::string_view isbn13);
std::string IssnKey(absl::string_view issn);
std::string RecordKey(absl::string_view record_id);

// Checks a stored or client-supplied title key's form.
absl::Status ValidateTitleKey(absl::string_view key);

}  // namespace silang

#endif  // SILANG_ENGINE_TITLE_KEY_H_
