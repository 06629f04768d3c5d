#include <string>
#include <vector>

#include "engine/catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_fixture.h"

namespace silang::catalog {
namespace {

namespace s = storage::v1;
using testing::CatalogTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MarcPath;
using testing::ReadFile;
using ::testing::SizeIs;

class SearchTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    for (auto id : {"CPL-LIB", "FPL-LIB", "MPL-LIB", "BAD"}) AddLibrary(id);
    ASSERT_TRUE(Import(Options("CPL-LIB", Format::kMarc21,
                               {{"CPL", "CPL-LIB"},
                                {"FPL", "FPL-LIB"},
                                {"MPL", "MPL-LIB"}}),
                       ReadFile(MarcPath("koha_sample_952.mrc")))
                    .ok());
    ASSERT_TRUE(Import(Options("BAD", Format::kMarcXml),
                       ReadFile(MarcPath("badisbns.xml")))
                    .ok());
  }

  std::vector<std::string> Keys(TitleQuery::Kind kind, const std::string& text,
                                int page_size = 0) {
    std::vector<std::string> out;
    std::string token;
    do {
      auto page = catalog_->SearchTitles({kind, text}, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& m : page->items) out.push_back(m.title.title_key());
      token = page->next_token;
    } while (!token.empty());
    return out;
  }
};

TEST_F(SearchTest, ByIsbnInEitherForm) {
  auto page =
      catalog_->SearchTitles({TitleQuery::Kind::kIsbn, "0-201-89683-4"}, 0, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(1));
  const TitleMatch& m = page->items[0];
  EXPECT_EQ(m.title.title_key(), "isbn:9780201896831");
  EXPECT_EQ(m.title.title(), "The art of computer programming");
  EXPECT_FALSE(m.library_ids.empty());
  EXPECT_GT(m.holdings, 0);
  EXPECT_THAT(Keys(TitleQuery::Kind::kIsbn, "9780201896831"),
              ElementsAre("isbn:9780201896831"));
}

TEST_F(SearchTest, BySecondIsbnOfARecord) {
  // The farthest shore is keyed by its first ISBN; its second finds it.
  EXPECT_THAT(Keys(TitleQuery::Kind::kIsbn, "0553268473"),
              ElementsAre("isbn:9780553204308"));
}

TEST_F(SearchTest, ByIssn) {
  EXPECT_THAT(Keys(TitleQuery::Kind::kIssn, "03012123"),
              ElementsAre("issn:0301-2123"));
}

TEST_F(SearchTest, ByWordsAllMustMatch) {
  std::vector<std::string> knuth =
      Keys(TitleQuery::Kind::kWords, "Art of Computer Programming");
  EXPECT_THAT(knuth, SizeIs(2));  // two editions with different ISBNs
  EXPECT_THAT(Keys(TitleQuery::Kind::kWords, "computer programming Knuth"),
              IsEmpty());  // author words are not title words
  // Paging one at a time gives the same titles in the same order.
  EXPECT_EQ(Keys(TitleQuery::Kind::kWords, "programming art", 1), knuth);
  EXPECT_EQ(Keys(TitleQuery::Kind::kWords, "\"PROGRAMMING\", art!"), knuth);
}

TEST_F(SearchTest, PagesOfACommonWord) {
  std::vector<std::string> all = Keys(TitleQuery::Kind::kWords, "the");
  EXPECT_GT(all.size(), 50u);
  EXPECT_EQ(Keys(TitleQuery::Kind::kWords, "the", 7), all);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST_F(SearchTest, UncataloguedHoldingsAreFoundByTheirIsbn) {
  s::HoldingRecord h;
  h.set_title_key("isbn:9786020332956");
  h.set_item_id("X1");
  ASSERT_TRUE(directory_->PutHoldings("BAD", {h}, false).ok());
  auto page =
      catalog_->SearchTitles({TitleQuery::Kind::kIsbn, "9786020332956"}, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].title.title(), "");
  EXPECT_THAT(page->items[0].library_ids, ElementsAre("BAD"));
}

TEST_F(SearchTest, Errors) {
  auto code = [&](TitleQuery::Kind kind, const std::string& text,
                  const std::string& token = "") {
    return catalog_->SearchTitles({kind, text}, 0, token).status().code();
  };
  EXPECT_EQ(code(TitleQuery::Kind::kIsbn, "12345"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(TitleQuery::Kind::kIssn, "1234-5678"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(TitleQuery::Kind::kWords, " -- "),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(TitleQuery::Kind::kWords, "the", "zz"),
            absl::StatusCode::kInvalidArgument);
  auto page = catalog_->SearchTitles({TitleQuery::Kind::kWords, "the"}, 2, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(code(TitleQuery::Kind::kWords, "jazz", page->next_token),
            absl::StatusCode::kInvalidArgument);  // token of another search
  EXPECT_THAT(Keys(TitleQuery::Kind::kIsbn, "9780306406157"), IsEmpty());
}

}  // namespace
}  // namespace silang::catalog
