// Early-return helpers for absl::Status and absl::StatusOr.
#ifndef SILANG_ENGINE_STATUS_MACROS_H_
#define SILANG_ENGINE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SILANG_CONCAT_INNER_(a, b) a##b
#define SILANG_CONCAT_(a, b) SILANG_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status silang_status_ = (expr);    \
    if (!silang_status_.ok()) return silang_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(SILANG_CONCAT_(silang_so_, __LINE__), lhs, expr)

#endif  // SILANG_ENGINE_STATUS_MACROS_H_
