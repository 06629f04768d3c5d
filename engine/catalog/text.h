// Text folding for the union catalogue: how titles and authors are
// compared, indexed for search, and turned into match keys for records
// without an ISBN or ISSN. Pure functions over UTF-8; thread-safe.
//
// Folding lowercases ASCII (and Greek and Cyrillic capitals), drops the
// diacritics of Latin letters (precomposed or combining, so MARC-8 input
// converted by YAZ and precomposed UTF-8 fold alike), joins words across
// apostrophes ("Tom's" -> "toms"), turns other punctuation into word
// breaks, and keeps every other script as it is (Devanagari stays
// Devanagari, vowel signs included). Invalid UTF-8 bytes are word breaks.
#ifndef SILANG_ENGINE_CATALOG_TEXT_H_
#define SILANG_ENGINE_CATALOG_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace silang::catalog {

// Longest indexed word, in bytes; longer words are cut at a character.
inline constexpr size_t kMaxWordLen = 64;
// Most words indexed per title.
inline constexpr size_t kMaxTitleWords = 32;

// The folded words of text joined by single spaces.
std::string Fold(absl::string_view text);

// The distinct folded words of text in first-seen order, at most max_words.
std::vector<std::string> Words(absl::string_view text,
                               size_t max_words = kMaxTitleWords);

// The title key of a record matched on title, author and year:
// "rec:" + up to 40 bytes of the folded title's words joined by '-' + "." +
// 16 hex digits of a hash of the folded title, author and year. The hash is
// FNV-1a (stable across builds and runs, unlike absl::Hash). At most 61
// bytes; passes ValidateTitleKey.
std::string MatchTitleKey(absl::string_view title, absl::string_view author,
                          absl::string_view year);

// FNV-1a, 64 bits.
uint64_t Fingerprint(absl::string_view s);

// s with each invalid UTF-8 sequence replaced by U+FFFD and each control
// character (below U+0020, and DEL) by a space; protobuf string fields must
// hold valid UTF-8.
std::string CleanUtf8(absl::string_view s);

// The longest prefix of s (valid UTF-8) of at most max_bytes that ends on
// a character boundary.
absl::string_view TruncateUtf8(absl::string_view s, size_t max_bytes);

// True if s is valid UTF-8.
bool IsValidUtf8(absl::string_view s);

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_TEXT_H_
