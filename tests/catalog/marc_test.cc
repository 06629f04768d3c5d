#include "engine/catalog/marc.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_fixture.h"

namespace silang::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MarcPath;
using testing::ReadFile;

struct Collected final : RecordSink {
  std::vector<std::string> records;
  std::vector<int64_t> numbers;
  std::vector<int64_t> offsets;
  std::vector<std::string> prefixes;
  std::vector<std::string> bad;
  absl::Status OnRecord(const RawRecord& r) override {
    records.emplace_back(r.bytes);
    numbers.push_back(r.number);
    offsets.push_back(r.offset);
    prefixes.emplace_back(r.xml_prefix);
    return absl::OkStatus();
  }
  absl::Status OnBadRecord(int64_t number, int64_t offset,
                           std::string reason) override {
    bad.push_back(absl::StrCat(number, "@", offset, ": ", reason));
    return absl::OkStatus();
  }
};

Collected Frame(Framer& framer, const std::string& data, size_t chunk) {
  Collected c;
  for (size_t at = 0; at < data.size(); at += chunk) {
    EXPECT_TRUE(framer.Feed(absl::string_view(data).substr(at, chunk), c).ok());
  }
  EXPECT_TRUE(framer.Finish(c).ok());
  return c;
}

TEST(Iso2709FramerTest, ChunkingDoesNotChangeRecords) {
  const std::string data = ReadFile(MarcPath("nepali.marc"));
  Collected whole = Frame(*NewIso2709Framer(), data, data.size());
  ASSERT_EQ(whole.records.size(), 96u);
  EXPECT_TRUE(whole.bad.empty());
  for (size_t chunk : {1, 7, 4096}) {
    Collected c = Frame(*NewIso2709Framer(), data, chunk);
    EXPECT_EQ(c.records, whole.records) << chunk;
    EXPECT_EQ(c.offsets, whole.offsets) << chunk;
  }
}

TEST(Iso2709FramerTest, GarbageIsReportedAndSkipped) {
  const std::string data = ReadFile(MarcPath("koha_sample_952.mrc"));
  Collected good = Frame(*NewIso2709Framer(), data, data.size());
  const size_t second = static_cast<size_t>(good.offsets[1]);
  const size_t third = static_cast<size_t>(good.offsets[2]);
  // Junk with a terminator before record 2; record 3's length digits
  // broken; the last record cut short.
  std::string bad = data.substr(0, second) + "JUNK\x1D" +
                    data.substr(second, third - second) + "x" +
                    data.substr(third + 1, data.size() - third - 1 - 10);
  Collected c = Frame(*NewIso2709Framer(), bad, 1000);
  EXPECT_EQ(c.records.size(), 436u - 2);
  ASSERT_EQ(c.bad.size(), 3u);
  EXPECT_EQ(c.bad[0], absl::StrCat("2@", second,
                                   ": record does not start with a "
                                   "five-digit length"));
  EXPECT_THAT(c.bad[1], HasSubstr("@" + std::to_string(third + 5)));
  EXPECT_THAT(c.bad[2], HasSubstr("cut short"));
  EXPECT_EQ(c.numbers[1], 3);  // numbering counts the bad ones
}

TEST(MarcXmlFramerTest, PrefixedCollectionAndDeclaredEncoding) {
  const std::string latin1 =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
      "<marc:collection xmlns:marc=\"http://www.loc.gov/MARC21/slim\">"
      "<!-- <marc:record> in a comment is not a record -->"
      "<marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>"
      "<marc:datafield tag=\"245\" ind1=\"1\" ind2=\"0\">"
      "<marc:subfield code=\"a\">Caf\xE9 &amp; co</marc:subfield>"
      "</marc:datafield></marc:record>\n"
      "<marc:record/>"
      "<marc:record><marc:leader>short</marc:leader></marc:record>"
      "</marc:collection>";
  auto framer = NewMarcXmlFramer();
  Collected c = Frame(*framer, latin1, 5);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_THAT(c.prefixes, ElementsAre("marc", "marc"));
  EXPECT_EQ(framer->xml_encoding(), "ISO-8859-1");
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_THAT(c.bad[0], HasSubstr("2@"));
  EXPECT_THAT(c.bad[0], HasSubstr("empty <record/>"));

  MarcDecoder decoder;
  auto rec = decoder.DecodeXml(c.records[0], "marc", framer->xml_encoding());
  ASSERT_TRUE(rec.ok()) << rec.status();
  const MarcField* f = rec->Find("245");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->Sub('a'), "Caf\xC3\xA9 & co");
  EXPECT_EQ(f->ind1, '1');
  auto short_leader = decoder.DecodeXml(c.records[1], "marc", "");
  ASSERT_FALSE(short_leader.ok());
  EXPECT_THAT(std::string(short_leader.status().message()),
              HasSubstr("leader"));
  auto broken = decoder.DecodeXml("<record><leader>x</record>", "", "");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("XML: "));
}

TEST(MarcDecoderTest, Marc8ConvertedToUtf8) {
  const std::string data = ReadFile(MarcPath("jazz_1k.mrc"));
  Collected c = Frame(*NewIso2709Framer(), data, data.size());
  ASSERT_EQ(c.records.size(), 1000u);
  MarcDecoder decoder;
  int converted = 0;
  for (const auto& raw : c.records) {
    ASSERT_EQ(raw[9], ' ');  // leader 9 blank: MARC-8
    auto rec = decoder.DecodeIso2709(raw, MarcEncoding::kAuto);
    ASSERT_TRUE(rec.ok()) << rec.status();
    const MarcField* author = rec->Find("100");
    if (author != nullptr &&
        absl::StartsWith(author->Sub('a'), "Torme\xCC\x81, Mel")) {
      ++converted;  // MARC-8 0xE2 'e' -> 'e' U+0301 (combining acute)
    }
  }
  EXPECT_GE(converted, 3);
  // Forced UTF-8 leaves MARC-8 bytes as they were (not valid UTF-8).
  auto raw = decoder.DecodeIso2709(c.records[0], MarcEncoding::kUtf8);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->Find("245")->Sub('a'), "Friendly fire /");
}

TEST(MarcDecoderTest, Utf8LeaderAndBadRecords) {
  const std::string data = ReadFile(MarcPath("nepali.marc"));
  Collected c = Frame(*NewIso2709Framer(), data, data.size());
  MarcDecoder decoder;
  auto rec = decoder.DecodeIso2709(c.records[0], MarcEncoding::kAuto);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->leader[9], 'a');
  // Two 245s: Devanagari first, then the transliteration.
  ASSERT_NE(rec->Find("245"), nullptr);
  EXPECT_EQ(rec->Find("245")->Sub('a'),
            "\xE0\xA4\xAC\xE0\xA4\xBF\xE0\xA4\xB9\xE0\xA4\xBE\xE0\xA4\xA8\xE0"
            "\xA5\x80 \xE0\xA4\x9F\xE0\xA5\x81\xE0\xA4\xB8\xE0\xA4\xBE /");
  auto bad = decoder.DecodeIso2709("00030nam a2200025 a 4500XXXX\x1D",
                                   MarcEncoding::kAuto);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("ISO 2709: "));
}

// One ISO 2709 record from (tag, body) pairs, leader as given.
std::string Iso(
    const std::string& leader_tail,
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string directory, data;
  for (const auto& [tag, body] : fields) {
    directory +=
        tag + absl::StrFormat("%04d%05d", body.size() + 1, data.size());
    data += body + "\x1E";
  }
  size_t base = 24 + directory.size() + 1;
  return absl::StrFormat("%05dnam a%s%05d%s", base + data.size() + 1,
                         leader_tail.substr(0, 2), base,
                         leader_tail.substr(2)) +
         directory + "\x1E" + data + "\x1D";
}

// Found by the fuzzer: YAZ's line writer reads past a subfield when the
// leader claims 9-byte codes, or a code is a MARC-8 multi-byte prefix.
TEST(MarcDecoderTest, OddSubfieldCodesAreSafe) {
  MarcDecoder decoder;
  // leader/11 = 9 is read as MARC 21's 2.
  auto rec = decoder.DecodeIso2709(Iso("29 a 4500", {{"245",
                                                      "10\x1F"
                                                      "aTitle\x1F"
                                                      "cX"}}),
                                   MarcEncoding::kMarc8);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->Find("245")->Sub('a'), "Title");
  EXPECT_EQ(rec->Find("245")->Sub('c'), "X");
  // YAZ drops empty subfields.
  rec = decoder.DecodeIso2709(Iso("22 a 4500", {{"245",
                                                 "10\x1F\x1F"
                                                 "aTitle\x1F"}}),
                              MarcEncoding::kAuto);
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_EQ(rec->Find("245")->subfields.size(), 1u);
  // A code that is not one printable ASCII byte is refused.
  for (auto encoding : {MarcEncoding::kUtf8, MarcEncoding::kMarc8}) {
    rec = decoder.DecodeIso2709(Iso("22 a 4500", {{"245", "10\x1F\xE1"}}),
                                encoding);
    ASSERT_FALSE(rec.ok());
    EXPECT_THAT(std::string(rec.status().message()),
                HasSubstr("subfield without"));
  }
}

// An ISO 2709 record is read back from YAZ's ISO 2709 output; where that
// output does not match its own directory (here: MARC-8 text that grows
// past the 9999 bytes a directory entry can count), it is read from the
// line writer's output instead.
TEST(MarcDecoderTest, OddLayoutFallsBackToLineOutput) {
  MarcDecoder decoder;
  std::string accented;  // MARC-8 combining acute + 'e': 2 bytes, 3 in UTF-8
  for (int i = 0; i < 4000; ++i) accented += "\xE2"
                                             "e";
  std::string utf8;
  for (int i = 0; i < 4000; ++i) utf8 += "e\xCC\x81";
  auto rec = decoder.DecodeIso2709(
      Iso("22 a 4500", {{"001", "koha-7"},
                        {"245", "14\x1F"
                                "a" +
                                    accented + "\x1F" + "cAn author"}}),
      MarcEncoding::kMarc8);
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_NE(rec->Find("001"), nullptr);
  EXPECT_EQ(rec->Find("001")->data, "koha-7");
  const MarcField* title = rec->Find("245");
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(title->ind1, '1');
  EXPECT_EQ(title->ind2, '4');
  EXPECT_EQ(title->Sub('a'), utf8);
  EXPECT_EQ(title->Sub('c'), "An author");
}

}  // namespace
}  // namespace silang::catalog
