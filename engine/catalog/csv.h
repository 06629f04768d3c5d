// A streaming CSV reader (RFC 4180: comma separated, fields in double
// quotes may hold commas, doubled quotes and line breaks; CRLF or LF) for
// catalogues of libraries without MARC. Rows arrive through a sink as the
// upload does; memory is bounded by the longest row. Not thread-safe.
#ifndef SILANG_ENGINE_CATALOG_CSV_H_
#define SILANG_ENGINE_CATALOG_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace silang::catalog {

// Longest row accepted; a longer one (often an unbalanced quote) is
// reported and skipped to the next line.
inline constexpr size_t kMaxCsvRow = 64 << 10;

class CsvSink {
 public:
  virtual ~CsvSink() = default;
  // line: 1-based line the row starts on; offset: its first byte.
  virtual absl::Status OnRow(std::vector<std::string>& cells, int64_t line,
                             int64_t offset) = 0;
  virtual absl::Status OnBadRow(int64_t line, int64_t offset,
                                std::string reason) = 0;
};

class CsvReader {
 public:
  absl::Status Feed(absl::string_view data, CsvSink& sink);
  absl::Status Finish(CsvSink& sink);

 private:
  absl::Status EndRow(CsvSink& sink);
  void Reset();

  std::vector<std::string> cells_;
  std::string field_;
  bool in_quotes_ = false;
  bool quote_seen_ = false;  // a quote inside quotes: end or escaped quote
  bool skipping_ = false;    // discarding an over-long row to its line end
  bool row_empty_ = true;
  size_t row_bytes_ = 0;
  int64_t offset_ = 0;  // upload offset of the next byte
  int64_t line_ = 1;    // line of the next byte
  int64_t row_line_ = 1;
  int64_t row_offset_ = 0;
};

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_CSV_H_
