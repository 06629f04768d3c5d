#include "engine/catalog/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Rows final : CsvSink {
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
  std::vector<int64_t> offsets;
  std::vector<std::string> bad;
  absl::Status OnRow(std::vector<std::string>& cells, int64_t line,
                     int64_t offset) override {
    rows.push_back(cells);
    lines.push_back(line);
    offsets.push_back(offset);
    return absl::OkStatus();
  }
  absl::Status OnBadRow(int64_t line, int64_t, std::string reason) override {
    bad.push_back(std::to_string(line) + ": " + reason);
    return absl::OkStatus();
  }
};

// Feeds text in chunks of every size from 1 to its length: the rows must
// not depend on where the chunks break.
Rows ReadAll(const std::string& text, size_t chunk) {
  Rows rows;
  CsvReader reader;
  for (size_t at = 0; at < text.size(); at += chunk) {
    EXPECT_TRUE(reader.Feed(text.substr(at, chunk), rows).ok());
  }
  EXPECT_TRUE(reader.Finish(rows).ok());
  return rows;
}

TEST(CsvTest, QuotesCommasNewlinesAndCrlf) {
  const std::string text =
      "isbn,title,item_id\r\n"
      "9780306406157,\"Kata, \"\"Bahasa\"\"\nIndonesia\",B1\r\n"
      "\r\n"
      ",Laskar Pelangi,B2";
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    Rows r = ReadAll(text, chunk);
    ASSERT_EQ(r.rows.size(), 3u) << chunk;
    EXPECT_THAT(r.rows[0], ElementsAre("isbn", "title", "item_id"));
    EXPECT_THAT(r.rows[1], ElementsAre("9780306406157",
                                       "Kata, \"Bahasa\"\nIndonesia", "B1"));
    EXPECT_THAT(r.rows[2], ElementsAre("", "Laskar Pelangi", "B2"));
    EXPECT_THAT(r.lines, ElementsAre(1, 2, 5));
    EXPECT_EQ(r.offsets[1], 20);
    EXPECT_TRUE(r.bad.empty());
  }
}

TEST(CsvTest, OverlongRowSkippedToNextLine) {
  std::string text = "a,b\n\"" + std::string(kMaxCsvRow + 10, 'x') + "\n" +
                     std::string(10, 'y') + "\nc,d\n";
  // The unbalanced quote swallows the newline, so the row runs on until
  // the limit; reading resumes at the line after.
  Rows r = ReadAll(text, 4096);
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_THAT(r.bad[0], HasSubstr("2: row longer than"));
  EXPECT_THAT(r.rows.back(), ElementsAre("c", "d"));
}

TEST(CsvTest, UnclosedQuoteAtEnd) {
  Rows r = ReadAll("a,b\nc,\"open", 3);
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_THAT(r.bad[0], HasSubstr("not closed"));
  EXPECT_EQ(r.rows.size(), 1u);
}

}  // namespace
}  // namespace silang::catalog
