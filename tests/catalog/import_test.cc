#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/catalog/bulk.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/marc.h"
#include "engine/catalog/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_fixture.h"

namespace silang::catalog {
namespace {

namespace s = storage::v1;
using testing::CatalogTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MarcPath;
using ::testing::Pair;
using testing::ReadFile;
using ::testing::SizeIs;

const std::map<std::string, std::string> kKohaBranches = {
    {"CPL", "CPL-LIB"}, {"FPL", "FPL-LIB"}, {"MPL", "MPL-LIB"}};

// Offsets of every record of an ISO 2709 file, and per record the Silang
// libraries its items map to: figures read straight from the data.
struct FileFacts final : RecordSink {
  std::shared_ptr<MarcDecoder> decoder = std::make_shared<MarcDecoder>();
  ItemMapping mapping;
  std::vector<int64_t> offsets;
  std::vector<std::set<std::string>> libraries;
  absl::Status OnRecord(const RawRecord& r) override {
    offsets.push_back(r.offset);
    auto rec = decoder->DecodeIso2709(r.bytes, MarcEncoding::kAuto);
    auto e = ExtractMarc(*rec, r.number, mapping);
    std::set<std::string> libs;
    for (const auto& h : e->holdings) libs.insert(h.library_id());
    libraries.push_back(libs);
    return absl::OkStatus();
  }
  absl::Status OnBadRecord(int64_t, int64_t, std::string) override {
    return absl::InternalError("unexpected bad record");
  }
};

FileFacts Facts(const std::string& file, const ItemMapping& mapping) {
  FileFacts f;
  f.mapping = mapping;
  auto framer = NewIso2709Framer();
  EXPECT_TRUE(framer->Feed(ReadFile(MarcPath(file)), f).ok());
  EXPECT_TRUE(framer->Finish(f).ok());
  return f;
}

std::string Csv(const std::string& isbn, int from, int to) {
  std::string out = "isbn,title,author,year,item_id,availability,call_number\n";
  for (int i = from; i < to; ++i) {
    absl::StrAppend(&out, isbn, ",Laskar Pelangi,\"Hirata, Andrea\",2005,B-", i,
                    ",on_shelf,899.221 HIR\n");
  }
  return out;
}

class ImportTest : public CatalogTest {
 protected:
  void AddKohaLibraries() {
    for (const auto& [branch, id] : kKohaBranches) AddLibrary(id);
  }
};

TEST_F(ImportTest, KohaMarc21) {
  AddKohaLibraries();
  auto s = Import(Options("CPL-LIB", Format::kMarc21, kKohaBranches),
                  ReadFile(MarcPath("koha_sample_952.mrc")));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->records_read, 436);
  EXPECT_EQ(s->records_rejected, 0);
  EXPECT_EQ(s->items_rejected, 0);
  EXPECT_THAT(s->rejects, IsEmpty());
  EXPECT_EQ(s->holdings, 961);
  EXPECT_THAT(s->holdings_by_library,
              ElementsAre(Pair("CPL-LIB", 321), Pair("FPL-LIB", 315),
                          Pair("MPL-LIB", 325)));
  // 436 records, 433 titles: two records carry ISBN 0964479621, two ISSN
  // 0301-2123, and two are the same title, author and year without either.
  EXPECT_EQ(s->titles, 433);
  EXPECT_EQ(s->titles_created, 433);
  EXPECT_EQ(s->holdings_removed, 0);
  EXPECT_THAT(TitleKeys(), SizeIs(433));

  // 252 records have items at two or more branches (the data's figure)...
  ItemMapping m;
  m.library_id = "CPL-LIB";
  m.branches = kKohaBranches;
  FileFacts facts = Facts("koha_sample_952.mrc", m);
  int records_multi = 0;
  for (const auto& libs : facts.libraries) records_multi += libs.size() >= 2;
  EXPECT_EQ(records_multi, 252);
  // ...and after matching, 251 titles are: the two records of ISBN
  // 0964479621 (MPL+CPL and CPL+FPL) are one title held by all three.
  int titles_multi = 0;
  for (const auto& [key, libs] : Holders()) titles_multi += libs.size() >= 2;
  EXPECT_EQ(titles_multi, 251);
  EXPECT_THAT(Holders()["isbn:9780964479623"],
              ElementsAre("CPL-LIB", "FPL-LIB", "MPL-LIB"));
  auto held = directory_->HoldersOf("isbn:9780964479623");
  ASSERT_TRUE(held.ok());
  EXPECT_THAT(*held, SizeIs(6));
}

TEST_F(ImportTest, KohaMarcXmlGivesTheSameAsMarc21) {
  AddKohaLibraries();
  auto mrc = Import(Options("CPL-LIB", Format::kMarc21, kKohaBranches),
                    ReadFile(MarcPath("koha_sample_952.mrc")));
  ASSERT_TRUE(mrc.ok()) << mrc.status();
  std::set<std::string> from_mrc = AllHoldings();
  ASSERT_THAT(from_mrc, SizeIs(961));
  auto xml = Import(Options("CPL-LIB", Format::kMarcXml, kKohaBranches),
                    ReadFile(MarcPath("koha_sample_952.xml")), 997);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(xml->records_read, 436);
  EXPECT_EQ(xml->records_rejected, 0);
  EXPECT_EQ(xml->holdings, 961);
  EXPECT_EQ(xml->titles, 433);
  EXPECT_EQ(xml->titles_created, 0);  // all known from the .mrc import
  EXPECT_EQ(xml->holdings_by_library, mrc->holdings_by_library);
  EXPECT_EQ(xml->holdings_removed, 961);  // the .mrc import's generation
  EXPECT_EQ(AllHoldings(), from_mrc);
  EXPECT_EQ(CountKeys(Cf::kHoldings), 961);  // no stale keys left
  EXPECT_EQ(CountKeys(Cf::kLibHoldings), 961);
}

TEST_F(ImportTest, JazzMarc8With949) {
  AddLibrary("HUNT");
  AddLibrary("DESM");
  auto s = Import(Options("HUNT", Format::kMarc21,
                          {{"HUNTINGTON", "HUNT"}, {"DESMARAIS", "DESM"}}),
                  ReadFile(MarcPath("jazz_1k.mrc")));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->records_read, 1000);
  EXPECT_EQ(s->records_rejected, 0);
  EXPECT_EQ(s->holdings, 1238);  // 949 in 983 records
  EXPECT_THAT(s->holdings_by_library,
              ElementsAre(Pair("DESM", 23), Pair("HUNT", 1215)));
  // MARC-8 arrived as UTF-8: Mel Tormé, with a combining acute.
  auto hits = catalog_->SearchTitles(
      {TitleQuery::Kind::kWords, "evening at Charlie's"}, 0, "");
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_THAT(hits->items, SizeIs(1));
  EXPECT_EQ(hits->items[0].title.author(), "Torme\xCC\x81, Mel");
  EXPECT_EQ(hits->items[0].title.year(), "1984");
  EXPECT_THAT(hits->items[0].library_ids, ElementsAre("HUNT"));
  for (const auto& key : TitleKeys()) {
    auto t = catalog_->GetTitle(key);
    ASSERT_TRUE(t.ok() && t->has_value());
    EXPECT_TRUE(IsValidUtf8((*t)->title())) << key;
  }
}

TEST_F(ImportTest, NepaliDevanagariWith852) {
  AddLibrary("NP-MPP");
  auto s = Import(Options("NP-MPP", Format::kMarc21),
                  ReadFile(MarcPath("nepali.marc")), 1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->records_read, 96);
  EXPECT_EQ(s->records_rejected, 0);
  EXPECT_EQ(s->holdings, 96);
  EXPECT_EQ(s->titles, 96);
  const std::string bihani =
      "\xE0\xA4\xAC\xE0\xA4\xBF\xE0\xA4\xB9\xE0\xA4\xBE\xE0\xA4\xA8\xE0\xA5"
      "\x80";  // बिहानी
  auto hits = catalog_->SearchTitles({TitleQuery::Kind::kWords, bihani}, 0, "");
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_THAT(hits->items, SizeIs(1));
  const TitleMatch& m = hits->items[0];
  EXPECT_EQ(m.title.title(),
            bihani + " \xE0\xA4\x9F\xE0\xA5\x81\xE0\xA4\xB8\xE0\xA4\xBE");
  EXPECT_EQ(m.title.year(), "2021");  // Bikram Sambat, as catalogued
  EXPECT_THAT(m.library_ids, ElementsAre("NP-MPP"));
  auto held = directory_->HoldersOf(m.title.title_key());
  ASSERT_TRUE(held.ok());
  ASSERT_THAT(*held, SizeIs(1));
  EXPECT_EQ((*held)[0].item_id(), "4900");  // "$x Accession no.: 4900"
}

TEST_F(ImportTest, BadIsbnsFallBackToTheMatchKey) {
  AddLibrary("BAD");
  auto s = Import(Options("BAD", Format::kMarcXml),
                  ReadFile(MarcPath("badisbns.xml")));
  ASSERT_TRUE(s.ok()) << s.status();
  // Nothing is rejected: bad ISBNs (in 020$z, or not ISBNs at all) do not
  // key a title; the record is matched on title, author and year instead.
  EXPECT_EQ(s->records_read, 10);
  EXPECT_EQ(s->records_rejected, 0);
  EXPECT_EQ(s->holdings, 0);  // no item fields in this file
  EXPECT_EQ(s->titles, 10);
  EXPECT_EQ(s->bad_isbns, 1);  // 020$a 8901452100503 (Teen Patti)
  std::vector<std::string> keys = TitleKeys();
  int isbn_keys = 0;
  for (const auto& k : keys) isbn_keys += k.rfind("isbn:", 0) == 0;
  EXPECT_EQ(isbn_keys, 2);  // The farthest shore; Miller's ceramic figures
  auto shore = catalog_->GetTitle("isbn:9780553204308");
  ASSERT_TRUE(shore.ok() && shore->has_value());
  EXPECT_THAT((*shore)->isbns(), ElementsAre("9780553204308", "9780553268478"));
  auto millers = catalog_->GetTitle("isbn:9781845332136");
  ASSERT_TRUE(millers.ok() && millers->has_value());
  EXPECT_THAT((*millers)->isbns(), ElementsAre("9781845332136"));
  auto teen =
      catalog_->SearchTitles({TitleQuery::Kind::kWords, "teen patti"}, 0, "");
  ASSERT_TRUE(teen.ok());
  ASSERT_THAT(teen->items, SizeIs(1));
  EXPECT_EQ(teen->items[0].title.title_key(),
            MatchTitleKey("Teen Patti", "", "2010"));
}

TEST_F(ImportTest, IsbnTenAndThirteenJoinAcrossLibraries) {
  AddLibrary("JKT");
  AddLibrary("BDG");
  ASSERT_TRUE(
      Import(Options("JKT", Format::kCsv), Csv("0-306-40615-2", 0, 2)).ok());
  ASSERT_TRUE(
      Import(Options("BDG", Format::kCsv), Csv("978-0-306-40615-7", 5, 6))
          .ok());
  auto held = directory_->HoldersOf("isbn:9780306406157");
  ASSERT_TRUE(held.ok());
  std::vector<std::string> where;
  for (const auto& h : *held)
    where.push_back(h.library_id() + "/" + h.item_id());
  EXPECT_THAT(where, ElementsAre("BDG/B-5", "JKT/B-0", "JKT/B-1"));
  EXPECT_THAT(TitleKeys(), ElementsAre("isbn:9780306406157"));
}

TEST_F(ImportTest, AJazzTitleJoinsAKohaTitle) {
  AddKohaLibraries();
  AddLibrary("HUNT");
  ASSERT_TRUE(Import(Options("CPL-LIB", Format::kMarc21, kKohaBranches),
                     ReadFile(MarcPath("koha_sample_952.mrc")))
                  .ok());
  std::vector<std::string> koha = TitleKeys();
  auto s = Import(Options("HUNT", Format::kMarc21, {{"*", "HUNT"}}),
                  ReadFile(MarcPath("jazz_1k.mrc")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->titles - s->titles_created, 1);
  int shared = 0;
  for (const auto& [key, libs] : Holders()) {
    if (libs.count("HUNT") && libs.size() > 1) {
      ++shared;
      EXPECT_TRUE(std::find(koha.begin(), koha.end(), key) != koha.end());
    }
  }
  EXPECT_EQ(shared, 1);
}

TEST_F(ImportTest, ReimportReplacesOnlyThatLibrarysHoldings) {
  AddKohaLibraries();
  AddLibrary("OTHER");
  // Another library holds a title that Koha holds too (9780131103702).
  ASSERT_TRUE(
      Import(Options("OTHER", Format::kCsv), Csv("0131103709", 0, 2)).ok());
  const std::string mrc = ReadFile(MarcPath("koha_sample_952.mrc"));
  ASSERT_TRUE(
      Import(Options("CPL-LIB", Format::kMarc21, kKohaBranches), mrc).ok());
  ASSERT_THAT(AllHoldings(), SizeIs(963));

  ItemMapping m;
  m.library_id = "CPL-LIB";
  m.branches = kKohaBranches;
  FileFacts facts = Facts("koha_sample_952.mrc", m);
  const std::string first100 = mrc.substr(0, facts.offsets[100]);
  auto s = Import(Options("CPL-LIB", Format::kMarc21, kKohaBranches), first100);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->records_read, 100);
  EXPECT_LT(s->holdings, 961);
  EXPECT_EQ(s->holdings_removed, 961);
  std::set<std::string> now = AllHoldings();
  EXPECT_THAT(now, SizeIs(s->holdings + 2));
  EXPECT_TRUE(now.count("isbn:9780131103702|OTHER|B-0"));
  EXPECT_TRUE(now.count("isbn:9780131103702|OTHER|B-1"));
  // Stale keys are gone from disk, not just hidden.
  EXPECT_EQ(CountKeys(Cf::kHoldings), s->holdings + 2);
  EXPECT_EQ(CountKeys(Cf::kLibHoldings), s->holdings + 2);
  // Titles stay in the catalogue even when nobody holds them any more.
  EXPECT_THAT(TitleKeys(), SizeIs(433));
}

// Routing's cached holders survive an import for every title the import
// neither names nor took away (engine/title_holders.h).
TEST_F(ImportTest, ImportKeepsCachedHoldersOfTitlesItDoesNotTouch) {
  AddLibrary("JKT");
  AddLibrary("BDG");
  ASSERT_TRUE(Import(Options("JKT", Format::kCsv), Csv("0131103709", 0, 1)).ok());
  ASSERT_TRUE(Import(Options("BDG", Format::kCsv), Csv("9786020332956", 0, 1)).ok());
  auto jkt_title = directory_->TitleHoldersOf("isbn:9780131103702");
  auto bdg_title = directory_->TitleHoldersOf("isbn:9786020332956");
  auto new_title = directory_->TitleHoldersOf("isbn:9780306406157");
  ASSERT_TRUE(jkt_title.ok() && bdg_title.ok() && new_title.ok());
  ASSERT_EQ((*bdg_title)->size(), 1u);
  ASSERT_TRUE((*new_title)->empty());

  // Bandung replaces its catalogue with another title.
  ASSERT_TRUE(Import(Options("BDG", Format::kCsv), Csv("0306406152", 0, 1)).ok());
  auto kept = directory_->TitleHoldersOf("isbn:9780131103702");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, *jkt_title) << "untouched title: still the cached entry";
  auto gone = directory_->TitleHoldersOf("isbn:9786020332956");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE((*gone)->empty()) << "Bandung no longer holds it";
  auto added = directory_->TitleHoldersOf("isbn:9780306406157");
  ASSERT_TRUE(added.ok());
  ASSERT_EQ((*added)->size(), 1u) << "named by the import: read again";
  EXPECT_EQ((**added)[0].library->id(), "BDG");
}

TEST_F(ImportTest, AbandonedImportLeavesTheOldHoldings) {
  AddLibrary("JKT");
  ASSERT_TRUE(
      Import(Options("JKT", Format::kCsv), Csv("0306406152", 0, 3)).ok());
  const std::set<std::string> before = AllHoldings();
  {
    // Small chunks, so that several are ingested before the end.
    ImportOptions o = Options("JKT", Format::kCsv);
    o.ingest_bytes = 64 << 10;
    auto importer = catalog_->StartImport(o);
    ASSERT_TRUE(importer.ok());
    // Enough rows that several chunks must have reached the store (the
    // writer thread lets at most a few batches wait).
    ASSERT_TRUE((*importer)->Feed(Csv("0306406152", 100, 30100)).ok());
    EXPECT_GT(CountKeys(Cf::kLibHoldings), 4096);
    EXPECT_EQ(AllHoldings(), before);  // readers never see the new ones
  }                                    // dropped unfinished
  EXPECT_EQ(AllHoldings(), before);
  EXPECT_EQ(CountKeys(Cf::kLibHoldings), 3);
  EXPECT_EQ(CountKeys(Cf::kHoldings), 3);
}

// A process that dies mid-import (no Finish, no destructor) leaves the old
// holdings live; the next import of the library sweeps up its writes.
TEST_F(ImportTest, CrashMidImportLeavesTheOldHoldings) {
  AddLibrary("JKT");
  ASSERT_TRUE(
      Import(Options("JKT", Format::kCsv), Csv("0306406152", 0, 3)).ok());
  const std::set<std::string> before = AllHoldings();
  Close();
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    Open();
    ImportOptions o = Options("JKT", Format::kCsv);
    o.ingest_bytes = 64 << 10;  // several chunks ingested before the end
    auto importer = catalog_->StartImport(o);
    if (!importer.ok()) _exit(2);
    if (!(*importer)->Feed(Csv("0306406152", 100, 30100)).ok()) _exit(3);
    _exit(0);  // the crash: nothing after this runs
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  Open();
  EXPECT_EQ(AllHoldings(), before);
  EXPECT_GT(CountKeys(Cf::kLibHoldings), 4096);  // the dead import's writes
  auto s = Import(Options("JKT", Format::kCsv), Csv("0306406152", 50, 52));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->holdings_removed, 3);
  EXPECT_THAT(AllHoldings(), ElementsAre("isbn:9780306406157|JKT|B-50",
                                         "isbn:9780306406157|JKT|B-51"));
  EXPECT_EQ(CountKeys(Cf::kLibHoldings), 2);
  EXPECT_EQ(CountKeys(Cf::kHoldings), 2);
  // No import file of the dead process is left behind.
  EXPECT_TRUE(std::filesystem::is_empty(BulkDir(*store_)));
}

TEST_F(ImportTest, OneImportPerLibraryAtATime) {
  AddLibrary("JKT");
  AddLibrary("BDG");
  auto first = catalog_->StartImport(Options("JKT", Format::kCsv));
  ASSERT_TRUE(first.ok());
  auto second = catalog_->StartImport(Options("JKT", Format::kCsv));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(catalog_->StartImport(Options("BDG", Format::kCsv)).ok());
  first->reset();
  EXPECT_TRUE(catalog_->StartImport(Options("JKT", Format::kCsv)).ok());
}

TEST_F(ImportTest, ChecksLibrariesAndOptions) {
  AddLibrary("JKT");
  EXPECT_EQ(
      catalog_->StartImport(Options("NOPE", Format::kCsv)).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(catalog_->StartImport(Options("JKT", Format::kCsv, {{"X", "NOPE"}}))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      catalog_->StartImport(Options("bad id", Format::kCsv)).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto no_header = Import(Options("JKT", Format::kCsv), "");
  EXPECT_EQ(no_header.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_header = Import(Options("JKT", Format::kCsv), "title,author\nx,y\n");
  EXPECT_THAT(std::string(bad_header.status().message()), HasSubstr("item_id"));
  // A failed import leaves nothing behind and the library free.
  EXPECT_EQ(CountKeys(Cf::kLibHoldings), 0);
  EXPECT_TRUE(
      Import(Options("JKT", Format::kCsv), Csv("0306406152", 0, 1)).ok());
}

TEST_F(ImportTest, BadRecordsAreReportedWithPositionAndSkipped) {
  AddKohaLibraries();
  std::string xml = ReadFile(MarcPath("koha_sample_952.xml"));
  const size_t second = xml.find("<record", xml.find("</record>"));
  ASSERT_NE(second, std::string::npos);
  xml.insert(second, "<record><leader>broken</record>\n");
  ImportOptions o = Options("CPL-LIB", Format::kMarcXml,
                            {{"CPL", "CPL-LIB"}, {"FPL", "FPL-LIB"}});
  auto s = Import(o, xml);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->records_read, 437);
  EXPECT_EQ(s->records_rejected, 1);
  EXPECT_EQ(s->items_rejected, 325);  // MPL is not mapped
  EXPECT_EQ(s->holdings, 321 + 315);
  ASSERT_FALSE(s->rejects.empty());
  EXPECT_EQ(s->rejects[0].record, 2);
  EXPECT_EQ(s->rejects[0].offset, static_cast<int64_t>(second));
  EXPECT_THAT(s->rejects[0].reason, HasSubstr("XML: "));
  EXPECT_THAT(s->rejects[1].reason, HasSubstr("branch \"MPL\" is not mapped"));
  EXPECT_THAT(s->rejects, SizeIs(100));  // the list is capped; counts are not

  o.max_listed_rejects = 3;
  s = Import(o, xml);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->rejects, SizeIs(3));
  EXPECT_EQ(s->items_rejected, 325);
}

TEST_F(ImportTest, PutHoldingsLandsInTheLiveGeneration) {
  AddLibrary("JKT");
  const std::string title = "isbn:9780306406157";
  auto put = [&](const std::string& item, bool replace_all) {
    s::HoldingRecord h;
    h.set_title_key(title);
    h.set_item_id(item);
    return directory_->PutHoldings("JKT", {h}, replace_all);
  };
  auto items = [&] {
    std::vector<std::string> out;
    auto held = directory_->HoldersOf(title);
    EXPECT_TRUE(held.ok()) << held.status();
    for (const auto& h : *held) out.push_back(h.item_id());
    return out;
  };
  ASSERT_TRUE(put("P1", false).ok());
  EXPECT_THAT(items(), ElementsAre("P1"));
  auto s = Import(Options("JKT", Format::kCsv), Csv("0306406152", 0, 1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->holdings_removed, 1);
  EXPECT_THAT(items(), ElementsAre("B-0"));
  ASSERT_TRUE(put("P2", false).ok());
  EXPECT_THAT(items(), ElementsAre("B-0", "P2"));
  auto replaced = put("P3", true);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->removed, 2);
  EXPECT_THAT(items(), ElementsAre("P3"));
  auto page = directory_->ListHoldings(title, 10, "");
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->items, SizeIs(1));
}

}  // namespace
}  // namespace silang::catalog
