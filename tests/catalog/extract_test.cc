#include "engine/catalog/extract.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/catalog/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang::catalog {
namespace {

namespace s = storage::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MarcField Field(std::string tag, std::vector<MarcSubfield> subfields,
                char ind2 = ' ') {
  MarcField f;
  f.tag = std::move(tag);
  f.ind2 = ind2;
  f.subfields = std::move(subfields);
  return f;
}

MarcRecord Book(std::vector<MarcField> fields) {
  MarcRecord r;
  r.leader = "00000nam a2200000 a 4500";
  MarcField control;
  control.tag = "001";
  control.data = "ctl-7";
  r.fields.push_back(control);
  r.fields.push_back(
      Field("245", {{"a", "The farthest shore /"}, {"c", "Le Guin."}}, '4'));
  r.fields.push_back(Field("100", {{"a", "Le Guin, Ursula K.,"}}));
  r.fields.push_back(Field("264", {{"c", "[1972]"}}));
  for (auto& f : fields) r.fields.push_back(std::move(f));
  return r;
}

ItemMapping Mapping() {
  ItemMapping m;
  m.library_id = "CPL-LIB";
  m.branches = {{"CPL", "CPL-LIB"}, {"FPL", "FPL-LIB"}};
  return m;
}

TEST(ExtractMarcTest, DescriptionAndIdentifiers) {
  auto e = ExtractMarc(
      Book({Field("020", {{"z", "0553101315175"}}),
            Field("020", {{"a", "0553204300"}}),
            Field("020", {{"a", "0553268473 (pbk.) :"}, {"c", "$6.99"}}),
            Field("020", {{"a", "8901452100503"}}),
            Field("022", {{"a", "0317-8471"}})}),
      1, Mapping());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->title.title_key(), "isbn:9780553204308");
  EXPECT_THAT(e->title.isbns(), ElementsAre("9780553204308", "9780553268478"));
  EXPECT_THAT(e->title.issns(), ElementsAre("0317-8471"));
  EXPECT_EQ(e->bad_isbns, 1);  // 890...: not 978/979; 020$z is not read
  EXPECT_EQ(e->title.title(), "The farthest shore");
  EXPECT_EQ(e->title.author(), "Le Guin, Ursula K");
  EXPECT_EQ(e->title.year(), "1972");
  EXPECT_THAT(e->holdings, IsEmpty());
}

TEST(ExtractMarcTest, MatchKeySkipsNonfilingCharacters) {
  auto e = ExtractMarc(Book({}), 1, Mapping());
  ASSERT_TRUE(e.ok());
  // 245 ind2 = 4 skips "The "; the key is the same as the bare title's.
  EXPECT_EQ(e->title.title_key(),
            MatchTitleKey("farthest shore", "Le Guin, Ursula K", "1972"));
}

TEST(ExtractMarcTest, NothingToKeyOnIsRejected) {
  MarcRecord r;
  r.leader = "00000nam a2200000 a 4500";
  r.fields.push_back(Field("020", {{"a", "123"}}));
  r.fields.push_back(Field("245", {{"a", " / "}}));
  auto e = ExtractMarc(r, 3, Mapping());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("no ISBN"));
}

TEST(ExtractMarcTest, KohaItemStatuses) {
  auto item = [](std::vector<MarcSubfield> extra) {
    std::vector<MarcSubfield> sf = {{"a", "FPL"},
                                    {"b", "CPL"},
                                    {"p", "39999"},
                                    {"o", "823 LEG"},
                                    {"y", "BK"}};
    for (auto& x : extra) sf.push_back(x);
    return Field("952", sf);
  };
  auto e = ExtractMarc(
      Book({item({{"0", "0"}, {"1", "0"}, {"7", "0"}}), item({{"0", "1"}}),
            item({{"1", "2"}}), item({{"7", "-1"}}),
            item({{"q", "2024-03-20"}}), item({{"4", "1"}})}),
      1, Mapping());
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->holdings.size(), 6u);
  const auto& h = e->holdings;
  EXPECT_EQ(h[0].library_id(), "FPL-LIB");  // $a home branch, not $b
  EXPECT_EQ(h[0].item_id(), "39999");
  EXPECT_EQ(h[0].call_number(), "823 LEG");
  EXPECT_EQ(h[0].material_type(), s::MATERIAL_TYPE_BOOK);
  EXPECT_EQ(h[0].availability(), s::AVAILABILITY_ON_SHELF);
  EXPECT_EQ(h[1].availability(), s::AVAILABILITY_WITHDRAWN);
  EXPECT_EQ(h[2].availability(), s::AVAILABILITY_WITHDRAWN);  // lost
  EXPECT_EQ(h[3].availability(), s::AVAILABILITY_NOT_FOR_LOAN);
  EXPECT_EQ(h[4].availability(), s::AVAILABILITY_ON_LOAN);
  EXPECT_EQ(h[4].available_from_us(),
            absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2024, 3, 20),
                                               absl::UTCTimeZone())));
  EXPECT_EQ(h[5].availability(), s::AVAILABILITY_NOT_FOR_LOAN);  // damaged
}

TEST(ExtractMarcTest, StatusMappingAndItemTypes) {
  ItemMapping m = Mapping();
  m.statuses = {{"itype:REF", s::AVAILABILITY_NOT_FOR_LOAN},
                {"lost", s::AVAILABILITY_ON_LOAN}};
  auto e =
      ExtractMarc(Book({Field("952", {{"a", "CPL"}, {"p", "1"}, {"y", "REF"}}),
                        Field("952", {{"a", "CPL"}, {"p", "2"}, {"y", "BK"}}),
                        Field("952", {{"a", "CPL"}, {"p", "3"}, {"1", "1"}})}),
                  1, m);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->holdings.size(), 3u);
  EXPECT_EQ(e->holdings[0].availability(), s::AVAILABILITY_NOT_FOR_LOAN);
  EXPECT_EQ(e->holdings[1].availability(), s::AVAILABILITY_ON_SHELF);
  EXPECT_EQ(e->holdings[2].availability(), s::AVAILABILITY_ON_LOAN);
}

TEST(ExtractMarcTest, UnmappedBranchesAndTheCatchAll) {
  auto record = Book(
      {Field("952", {{"a", "XYZ"}, {"p", "1"}}), Field("952", {{"p", "2"}})});
  auto e = ExtractMarc(record, 1, Mapping());
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->holdings.size(), 1u);  // no branch: the file's library
  EXPECT_EQ(e->holdings[0].library_id(), "CPL-LIB");
  EXPECT_THAT(e->item_errors,
              ElementsAre(HasSubstr("952 #1: branch \"XYZ\" is not mapped")));
  ItemMapping m = Mapping();
  m.branches["*"] = "FPL-LIB";
  e = ExtractMarc(record, 1, m);
  ASSERT_EQ(e->holdings.size(), 2u);
  EXPECT_EQ(e->holdings[0].library_id(), "FPL-LIB");
  ItemMapping none;
  none.library_id = "ONE";
  e = ExtractMarc(record, 1, none);
  EXPECT_EQ(e->holdings[0].library_id(), "ONE");  // no mapping: all here
}

TEST(ExtractMarcTest, SirsiAnd852Items) {
  auto e = ExtractMarc(
      Book({Field("949", {{"a", "ML 3506 J3"},
                          {"i", "30007007467409"},
                          {"t", "SOUND"},
                          {"l", "HUNT-AUDIO"},
                          {"m", "HUNTINGTON"}}),
            Field("852", {{"a", "British Library"}, {"b", "HMNTS"}})}),
      1, ItemMapping{"HUNT", {{"HUNTINGTON", "HUNT"}}, {}});
  ASSERT_TRUE(e.ok());
  // 949 items win over the 852 location copied from the source record.
  ASSERT_EQ(e->holdings.size(), 1u);
  EXPECT_EQ(e->holdings[0].item_id(), "30007007467409");
  EXPECT_EQ(e->holdings[0].call_number(), "ML 3506 J3");
  EXPECT_THAT(e->item_errors, IsEmpty());

  e = ExtractMarc(Book({Field("852", {{"a", "Madan Puraskar Pustakalaya"},
                                      {"e", "Patandhoka, Lalitpur, Nepal"},
                                      {"x", "Accession no.: 4900"}}),
                        Field("852", {{"a", "Madan Puraskar Pustakalaya"},
                                      {"h", "891.4"},
                                      {"i", "SHA"}}),
                        Field("852", {{"x", "universal pattern"}})}),
                  12, ItemMapping{"NEP", {}, {}});
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->holdings.size(), 2u);
  EXPECT_EQ(e->holdings[0].item_id(), "4900");
  EXPECT_EQ(e->holdings[1].item_id(), "ctl-7-2");  // 001 and item number
  EXPECT_EQ(e->holdings[1].call_number(), "891.4 SHA");
}

TEST(ExtractMarcTest, OverlongItemIdRejected) {
  auto e = ExtractMarc(Book({Field("949", {{"i", std::string(200, '9')}})}), 1,
                       ItemMapping{"HUNT", {}, {}});
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->holdings, IsEmpty());
  EXPECT_THAT(e->item_errors, ElementsAre(HasSubstr("longer than 128")));
}

TEST(ExtractCsvTest, RowsAndAvailability) {
  auto cols = CsvColumns::FromHeader({"\xEF\xBB\xBFISBN", "title", "author",
                                      "year", "item_id", "availability",
                                      "call_number", "extra"});
  ASSERT_TRUE(cols.ok()) << cols.status();
  ItemMapping m{"JKT", {}, {{"hilang", s::AVAILABILITY_WITHDRAWN}}};
  auto e = ExtractCsv({"0-306-40615-2", "Laskar Pelangi", "Hirata, Andrea",
                       "2005", "B-1", "on loan", "899.221 HIR", "x"},
                      *cols, m);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->title.title_key(), "isbn:9780306406157");
  ASSERT_EQ(e->holdings.size(), 1u);
  EXPECT_EQ(e->holdings[0].library_id(), "JKT");
  EXPECT_EQ(e->holdings[0].availability(), s::AVAILABILITY_ON_LOAN);
  EXPECT_EQ(e->holdings[0].call_number(), "899.221 HIR");
  for (auto [text, want] : std::vector<std::pair<std::string, Availability>>{
           {"AVAILABILITY_NOT_FOR_LOAN", s::AVAILABILITY_NOT_FOR_LOAN},
           {"on_shelf", s::AVAILABILITY_ON_SHELF},
           {"Hilang", s::AVAILABILITY_WITHDRAWN},
           {"", s::AVAILABILITY_UNSPECIFIED}}) {
    auto a = ParseAvailability(text, m);
    ASSERT_TRUE(a.ok()) << text;
    EXPECT_EQ(*a, want) << text;
  }
  EXPECT_FALSE(ParseAvailability("maybe", m).ok());
  EXPECT_FALSE(ExtractCsv({"", "", "", "", "B-2", "", "", ""}, *cols, m).ok());
  EXPECT_FALSE(CsvColumns::FromHeader({"isbn", "title"}).ok());
}

}  // namespace
}  // namespace silang::catalog
