#include "engine/title_key.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang {
namespace {

using ::testing::HasSubstr;

void ExpectIsbn(absl::string_view raw, absl::string_view want) {
  auto got = NormalizeIsbn(raw);
  ASSERT_TRUE(got.ok()) << raw << ": " << got.status();
  EXPECT_EQ(*got, want) << raw;
}

void ExpectBadIsbn(absl::string_view raw, absl::string_view phrase) {
  auto got = NormalizeIsbn(raw);
  ASSERT_FALSE(got.ok()) << raw << " gave " << *got;
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << raw;
  EXPECT_THAT(got.status().message(), HasSubstr(phrase)) << raw;
}

TEST(TitleKeyTest, Isbn10BecomesIsbn13) {
  ExpectIsbn("0-306-40615-2", "9780306406157");
  ExpectIsbn("0306406152", "9780306406157");
  ExpectIsbn("0 306 40615 2", "9780306406157");
}

TEST(TitleKeyTest, Isbn10WithXCheckDigit) {
  ExpectIsbn("080442957X", "9780804429573");
  ExpectIsbn("0-8044-2957-x", "9780804429573");  // lower-case x too
}

TEST(TitleKeyTest, Isbn13AcceptedWithSeparators) {
  ExpectIsbn("978-602-03-3295-6", "9786020332956");
  ExpectIsbn("9786020332956", "9786020332956");
  ExpectIsbn("978-0-306-40615-7", "9780306406157");
}

TEST(TitleKeyTest, Isbn13With979PrefixAccepted) {
  ExpectIsbn("979-10-343-0400-4", "9791034304004");
  ExpectIsbn("9791000000008", "9791000000008");
}

TEST(TitleKeyTest, BadCheckDigitsRejected) {
  ExpectBadIsbn("0-306-40615-3", "check digit");
  ExpectBadIsbn("0804429571", "check digit");
  ExpectBadIsbn("9780306406158", "check digit");
  ExpectBadIsbn("9791034304005", "check digit");
}

TEST(TitleKeyTest, MalformedIsbnsRejected) {
  ExpectBadIsbn("", "not an ISBN");
  ExpectBadIsbn("030640615", "not an ISBN");      // 9 digits
  ExpectBadIsbn("03064061522", "not an ISBN");    // 11 digits
  ExpectBadIsbn("X306406152", "not an ISBN");     // X only last
  ExpectBadIsbn("978030640615X", "not an ISBN");  // no X in ISBN-13
  ExpectBadIsbn("0306A06152", "not an ISBN");
  ExpectBadIsbn("9770306406155", "978 or 979");  // ISSN-style 977 prefix
}

TEST(TitleKeyTest, IssnValidAndNormalized) {
  auto a = NormalizeIssn("0317-8471");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "0317-8471");
  auto b = NormalizeIssn("03178471");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, "0317-8471");
  auto x = NormalizeIssn("1050-124x");
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(*x, "1050-124X");
}

TEST(TitleKeyTest, BadIssnRejected) {
  for (absl::string_view raw : {"0317-8472", "03178470", "0317847", "031784711",
                                "0317-847A", "X317-8471", ""}) {
    auto got = NormalizeIssn(raw);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << raw;
    EXPECT_THAT(got.status().message(), HasSubstr("issn")) << raw;
  }
  EXPECT_THAT(NormalizeIssn("0317-8472").status().message(),
              HasSubstr("check digit"));
}

TEST(TitleKeyTest, KeyBuilders) {
  EXPECT_EQ(IsbnKey("9786020332956"), "isbn:9786020332956");
  EXPECT_EQ(IssnKey("0317-8471"), "issn:0317-8471");
  EXPECT_EQ(RecordKey("koha-1234"), "rec:koha-1234");
}

TEST(TitleKeyTest, ValidateTitleKeyAcceptsNormalizedForms) {
  for (absl::string_view key :
       {"isbn:9786020332956", "isbn:9791034304004", "issn:0317-8471",
        "issn:1050-124X", "rec:koha-1234", "rec:x"}) {
    EXPECT_TRUE(ValidateTitleKey(key).ok())
        << key << ": " << ValidateTitleKey(key);
  }
}

TEST(TitleKeyTest, ValidateTitleKeyRejectsOtherForms) {
  struct Case {
    std::string key;
    const char* phrase;
  };
  const Case cases[] = {
      {"isbn:0306406152", "not a normalized ISBN-13"},  // ISBN-10 spelling
      {"isbn:978-0-306-40615-7", "not a normalized ISBN-13"},
      {"isbn:9780306406158", "not a normalized ISBN-13"},  // bad check
      {"issn:03178471", "not a normalized ISSN"},
      {"issn:0317-8472", "not a normalized ISSN"},
      {"rec:", "is not isbn:, issn: or rec:"},
      {"9786020332956", "is not isbn:, issn: or rec:"},
      {"ISBN:9786020332956", "is not isbn:, issn: or rec:"},
      {"", "is not isbn:, issn: or rec:"},
      {std::string("rec:a\0b", 7), "malformed"},
      {"rec:" + std::string(200, 'a'), "malformed"},
  };
  for (const Case& c : cases) {
    absl::Status s = ValidateTitleKey(c.key);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.key;
    EXPECT_THAT(s.message(), HasSubstr(c.phrase)) << c.key;
    EXPECT_THAT(s.message(), HasSubstr("title")) << c.key;
  }
}

}  // namespace
}  // namespace silang
