#include "engine/page.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace silang {

std::string EncodePageToken(absl::string_view key) {
  return absl::BytesToHexString(key);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.size() % 2 != 0 || token.size() > 2048) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  for (char c : token) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
  }
  return absl::HexStringToBytes(token);
}

absl::StatusOr<int> CheckPageSize(int page_size, int default_size,
                                  int max_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  if (page_size > max_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("page_size: at most ", max_size));
  }
  return page_size == 0 ? default_size : page_size;
}

}  // namespace silang
