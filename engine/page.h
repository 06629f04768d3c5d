// Pagination: a page of results and an opaque token naming where the next
// page starts (the hex of a store key). Thread-safe; pure.
#ifndef SILANG_ENGINE_PAGE_H_
#define SILANG_ENGINE_PAGE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "engine/limits.h"

namespace silang {

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // empty on the last page
};

std::string EncodePageToken(absl::string_view key);
// InvalidArgument("page_token: ...") if malformed.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);
// page_size 0 means the default; InvalidArgument if negative;
// ResourceExhausted if over the maximum.
absl::StatusOr<int> CheckPageSize(int page_size,
                                  int default_size = limits::kDefaultPageSize,
                                  int max_size = limits::kMaxPageSize);

}  // namespace silang

#endif  // SILANG_ENGINE_PAGE_H_
