#include "engine/catalog/csv.h"

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace silang::catalog {

void CsvReader::Reset() {
  cells_.clear();
  field_.clear();
  in_quotes_ = false;
  quote_seen_ = false;
  row_empty_ = true;
  row_bytes_ = 0;
}

absl::Status CsvReader::EndRow(CsvSink& sink) {
  cells_.push_back(std::move(field_));
  field_.clear();
  absl::Status s = absl::OkStatus();
  const bool blank = row_empty_ && cells_.size() == 1 && cells_[0].empty();
  if (!blank) s = sink.OnRow(cells_, row_line_, row_offset_);
  Reset();
  return s;
}

absl::Status CsvReader::Feed(absl::string_view data, CsvSink& sink) {
  for (char c : data) {
    const int64_t at = offset_++;
    if (skipping_) {
      if (c == '\n') {
        skipping_ = false;
        ++line_;
      }
      continue;
    }
    if (row_empty_ && cells_.empty() && field_.empty() && !in_quotes_) {
      row_line_ = line_;
      row_offset_ = at;
    }
    if (++row_bytes_ > kMaxCsvRow) {
      const bool at_newline = c == '\n';
      int64_t line = row_line_, offset = row_offset_;
      Reset();
      skipping_ = !at_newline;
      if (at_newline) ++line_;
      RETURN_IF_ERROR(
          sink.OnBadRow(line, offset,
                        absl::StrCat("row longer than ", kMaxCsvRow,
                                     " bytes (an unbalanced quote?)")));
      continue;
    }
    if (in_quotes_) {
      if (quote_seen_) {
        quote_seen_ = false;
        if (c == '"') {
          field_.push_back('"');
          continue;
        }
        in_quotes_ = false;  // the quote closed the field; c follows it
      } else if (c == '"') {
        quote_seen_ = true;
        continue;
      } else {
        if (c == '\n') ++line_;
        field_.push_back(c);
        continue;
      }
    }
    switch (c) {
      case '"':
        if (field_.empty()) {
          in_quotes_ = true;
          row_empty_ = false;
        } else {
          field_.push_back(c);  // a stray quote inside an unquoted field
        }
        break;
      case ',':
        cells_.push_back(std::move(field_));
        field_.clear();
        row_empty_ = false;
        break;
      case '\r':
        break;  // CRLF: the LF ends the row
      case '\n':
        ++line_;
        RETURN_IF_ERROR(EndRow(sink));
        break;
      default:
        field_.push_back(c);
        row_empty_ = false;
    }
  }
  return absl::OkStatus();
}

absl::Status CsvReader::Finish(CsvSink& sink) {
  if (skipping_) return absl::OkStatus();
  if (in_quotes_ && !quote_seen_) {
    int64_t line = row_line_, offset = row_offset_;
    Reset();
    return sink.OnBadRow(line, offset,
                         "quoted field not closed at end of upload");
  }
  if (!row_empty_ || !cells_.empty() || !field_.empty()) {
    in_quotes_ = false;
    return EndRow(sink);
  }
  return absl::OkStatus();
}

}  // namespace silang::catalog
