#include "engine/catalog/text.h"

#include <string>

#include "engine/title_key.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

TEST(FoldTest, Table) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"The C Programming Language", "the c programming language"},
      {"  Songs of the 60's : piano, vocal, guitar.",
       "songs of the 60s piano vocal guitar"},
      {"Tom's midnight garden /", "toms midnight garden"},
      {"Tom\xE2\x80\x99s", "toms"},  // right single quote
      {"Torm\xC3\xA9", "torme"},     // precomposed é
      {"Torme\xCC\x81", "torme"},    // e + combining acute
      {"L\xC3\xA4"
       "ckberg, Camilla",
       "lackberg camilla"},
      {"\xC5\x9A\xC4\x81ha, V\xC4\xABrendravikram", "saha virendravikram"},
      {"Stra\xC3\x9F"
       "e \xC3\x86sop \xC5\x81\xC3\xB3"
       "d\xC5\xBA",
       "strasse aesop lodz"},
      {"\xE1\xB9\xAC"
       "us\xC4\x81",
       "tusa"},  // Ṭusā
      {"\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91",
       "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1"},
      // Devanagari stays, vowel signs included; the danda breaks words.
      {"\xE0\xA4\xAC\xE0\xA4\xBF\xE0\xA4\xB9\xE0\xA4\xBE\xE0\xA4\xA8\xE0\xA5"
       "\x80 \xE0\xA4\x9F\xE0\xA5\x81\xE0\xA4\xB8\xE0\xA4\xBE \xE0\xA5\xA4",
       "\xE0\xA4\xAC\xE0\xA4\xBF\xE0\xA4\xB9\xE0\xA4\xBE\xE0\xA4\xA8\xE0\xA5"
       "\x80 \xE0\xA4\x9F\xE0\xA5\x81\xE0\xA4\xB8\xE0\xA4\xBE"},
      {"a\xFF"
       "b",
       "a b"},  // invalid UTF-8 breaks words
      {"--/--", ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Fold(c.in), c.want) << c.in;
  }
}

TEST(WordsTest, DistinctInOrderAndCapped) {
  EXPECT_THAT(Words("The art of the art of war"),
              ElementsAre("the", "art", "of", "war"));
  EXPECT_THAT(Words("a b c d", 2), ElementsAre("a", "b"));
  std::string longword(100, 'x');
  EXPECT_THAT(Words(longword), ElementsAre(std::string(kMaxWordLen, 'x')));
}

TEST(MatchTitleKeyTest, StableAndValid) {
  // Golden value: keys are stored, so the hash must never change.
  EXPECT_EQ(MatchTitleKey("How to program a computer", "Jack Collins", "1991"),
            "rec:how-to-program-a-computer.74a92fc60a81a48d");
  // Punctuation, case and diacritics do not matter; the year does.
  EXPECT_EQ(
      MatchTitleKey("HOW TO PROGRAM A COMPUTER!", "Jack  Collins.", "1991"),
      MatchTitleKey("How to program a computer", "Jack Collins", "1991"));
  EXPECT_EQ(MatchTitleKey("Pas de probl\xC3\xA8mes", "Fraser", "1989"),
            MatchTitleKey("Pas de proble\xCC\x80mes", "Fraser", "1989"));
  EXPECT_NE(MatchTitleKey("How to program a computer", "Jack Collins", "1992"),
            MatchTitleKey("How to program a computer", "Jack Collins", "1991"));
  std::string devanagari;
  for (int i = 0; i < 40; ++i) devanagari += "\xE0\xA4\xAC\xE0\xA4\xBF ";
  for (const std::string& title : {std::string("A"), devanagari,
                                   std::string(500, 'z'), std::string("?!")}) {
    std::string key = MatchTitleKey(title, "", "");
    EXPECT_THAT(key, StartsWith("rec:"));
    EXPECT_LE(key.size(), 61u) << key;
    EXPECT_TRUE(ValidateTitleKey(key).ok()) << key;
    EXPECT_TRUE(IsValidUtf8(key)) << key;
  }
}

TEST(Utf8Test, CleanAndTruncate) {
  EXPECT_EQ(CleanUtf8("ok\xC3\xA9"), "ok\xC3\xA9");
  EXPECT_EQ(CleanUtf8("a\xC3"
                      "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(CleanUtf8(std::string("a\0b\tc", 5)), "a b c");
  // Printable ASCII is copied as it is; DEL is not printable.
  EXPECT_EQ(CleanUtf8("Laskar Pelangi ~ 899.2"), "Laskar Pelangi ~ 899.2");
  EXPECT_EQ(CleanUtf8("a\x7F"), "a ");
  EXPECT_EQ(CleanUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));  // overlong NUL
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 4), "ab\xC3\xA9");
}

TEST(FingerprintTest, Fnv1a) {
  EXPECT_EQ(Fingerprint(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fingerprint("a"), 0xaf63dc4c8601ec8cULL);
}

}  // namespace
}  // namespace silang::catalog
