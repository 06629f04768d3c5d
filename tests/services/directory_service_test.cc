// DirectoryService over a real server: libraries, partnerships and
// holdings, their pages, and the limits on what a caller may send.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::ElementsAre;
using DirectoryServiceTest = ServiceTest;

TEST_F(DirectoryServiceTest, GetLibraryReturnsWhatWasPut) {
  v1::GetLibraryRequest req;
  req.set_library_id("TMH");
  v1::Library lib;
  grpc::Status s =
      Call(*directory_, &v1::DirectoryService::Stub::GetLibrary, req, &lib);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(lib.id(), "TMH");
  EXPECT_EQ(lib.name(), "Perpustakaan Kota Tomohon");
  EXPECT_DOUBLE_EQ(lib.lat(), 1.31678);
  EXPECT_DOUBLE_EQ(lib.lon(), 124.80379);
  EXPECT_EQ(lib.time_zone(), "WITA");
  EXPECT_EQ(lib.island(), "Sulawesi");
  EXPECT_EQ(lib.status(), v1::LIBRARY_STATUS_ACTIVE);
  EXPECT_THAT(lib.policy().services(),
              ElementsAre(v1::SERVICE_TYPE_LOAN, v1::SERVICE_TYPE_COPY));
  EXPECT_EQ(lib.version(), 1u);

  req.set_library_id("NOPE");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::GetLibrary, req, &lib),
      grpc::StatusCode::NOT_FOUND, "NOPE"));
  req.set_library_id("no such/library");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::GetLibrary, req, &lib),
      grpc::StatusCode::INVALID_ARGUMENT, "library_id"));
}

TEST_F(DirectoryServiceTest, ListLibrariesPagesAndFilters) {
  v1::ListLibrariesRequest req;
  req.set_page_size(3);
  v1::ListLibrariesResponse page;
  grpc::Status s =
      Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> ids;
  for (const auto& l : page.libraries()) ids.push_back(l.id());
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_NE(page.next_page_token(), "");

  req.set_page_token(page.next_page_token());
  s = Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const auto& l : page.libraries()) ids.push_back(l.id());
  EXPECT_EQ(page.next_page_token(), "");
  EXPECT_THAT(ids, ElementsAre("BDG", "JKT", "TMH", "TPG"));  // id order

  req.Clear();
  req.set_province("Jawa Barat");
  s = Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(page.libraries_size(), 1);
  EXPECT_EQ(page.libraries(0).id(), "BDG");

  req.Clear();
  req.set_page_size(-5);
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page),
      grpc::StatusCode::INVALID_ARGUMENT, "page_size"));
  req.set_page_size(1001);
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page),
      grpc::StatusCode::RESOURCE_EXHAUSTED, "page_size"));
  req.set_page_size(0);
  req.set_page_token("xyz!");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::ListLibraries, req, &page),
      grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
}

TEST_F(DirectoryServiceTest, GetPartnership) {
  v1::GetPartnershipRequest req;
  req.set_partnership_id("NUSANTARA");
  v1::Partnership p;
  grpc::Status s =
      Call(*directory_, &v1::DirectoryService::Stub::GetPartnership, req, &p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(p.name(), "Jaringan Nusantara");
  EXPECT_THAT(p.member_ids(), ElementsAre("JKT", "BDG", "TPG", "TMH"));
  EXPECT_EQ(p.terms(), v1::PARTNERSHIP_TERMS_RECIPROCAL);
  EXPECT_EQ(p.valid_until(), "2027-12-31");
  EXPECT_EQ(p.tier(), 3);
  EXPECT_EQ(p.version(), 1u);

  req.set_partnership_id("SUMATERA");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::GetPartnership, req, &p),
      grpc::StatusCode::NOT_FOUND, "SUMATERA"));
}

TEST_F(DirectoryServiceTest, ListPartnershipsPagesAndFiltersByMember) {
  v1::PutPartnershipRequest put;
  put.mutable_partnership()->set_id("JAWA");
  put.mutable_partnership()->set_name("Jawa");
  put.mutable_partnership()->add_member_ids("JKT");
  put.mutable_partnership()->add_member_ids("BDG");
  put.mutable_partnership()->set_valid_from("2026-01-01");
  put.mutable_partnership()->set_valid_until("2026-12-31");
  put.mutable_partnership()->set_tier(1);
  v1::Partnership made;
  ASSERT_TRUE(
      Call(*admin_, &v1::AdminService::Stub::PutPartnership, put, &made).ok());

  v1::ListPartnershipsRequest req;
  req.set_page_size(1);
  std::vector<std::string> ids;
  int pages = 0;
  do {
    v1::ListPartnershipsResponse page;
    grpc::Status s = Call(
        *directory_, &v1::DirectoryService::Stub::ListPartnerships, req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_LE(++pages, 2);
    for (const auto& p : page.partnerships()) ids.push_back(p.id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_THAT(ids, ElementsAre("JAWA", "NUSANTARA"));

  // Bandung is in both, a page at a time; Tanjung Pinang only in one.
  req.Clear();
  req.set_library_id("BDG");
  req.set_page_size(1);
  ids.clear();
  pages = 0;
  do {
    v1::ListPartnershipsResponse page;
    grpc::Status s = Call(
        *directory_, &v1::DirectoryService::Stub::ListPartnerships, req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_LE(++pages, 2);
    for (const auto& p : page.partnerships()) ids.push_back(p.id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_THAT(ids, ElementsAre("JAWA", "NUSANTARA"));

  req.Clear();
  req.set_library_id("TPG");
  v1::ListPartnershipsResponse page;
  ASSERT_TRUE(Call(*directory_, &v1::DirectoryService::Stub::ListPartnerships,
                   req, &page)
                  .ok());
  ASSERT_EQ(page.partnerships_size(), 1);
  EXPECT_EQ(page.partnerships(0).id(), "NUSANTARA");

  req.set_page_size(-1);
  EXPECT_TRUE(
      HasStatus(Call(*directory_, &v1::DirectoryService::Stub::ListPartnerships,
                     req, &page),
                grpc::StatusCode::INVALID_ARGUMENT, "page_size"));
}

TEST_F(DirectoryServiceTest, ListHoldingsPagesByLibrary) {
  v1::ListHoldingsRequest req;
  req.mutable_title()->set_isbn("978-602-03-3295-6");  // hyphens normalize
  req.set_page_size(2);
  std::vector<std::string> libs;
  int pages = 0;
  do {
    v1::ListHoldingsResponse page;
    grpc::Status s = Call(
        *directory_, &v1::DirectoryService::Stub::ListHoldings, req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_LE(++pages, 2);
    for (const auto& h : page.holdings()) {
      libs.push_back(h.library_id());
      EXPECT_EQ(h.title().isbn(), kIsbn);
      EXPECT_EQ(h.availability(), v1::AVAILABILITY_ON_SHELF);
      EXPECT_TRUE(h.has_updated_at());
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(libs, ElementsAre("BDG", "TMH", "TPG"));

  req.Clear();
  req.mutable_title()->set_isbn(kBadIsbn);
  v1::ListHoldingsResponse page;
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::ListHoldings, req, &page),
      grpc::StatusCode::INVALID_ARGUMENT, "isbn"));
  req.Clear();
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::ListHoldings, req, &page),
      grpc::StatusCode::INVALID_ARGUMENT, "title"));
}

TEST_F(DirectoryServiceTest, PutHoldingsReplacesAll) {
  v1::PutHoldingsRequest req;
  req.set_library_id("TPG");
  req.set_replace_all(true);
  *req.add_holdings() = HoldingOf("", kIsbnBdgOnly, "TPG-9");
  v1::PutHoldingsResponse out;
  grpc::Status s =
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.written(), 1);
  EXPECT_EQ(out.removed(), 1);  // its copy of kIsbn

  v1::ListHoldingsRequest list;
  list.mutable_title()->set_isbn(kIsbn);
  v1::ListHoldingsResponse page;
  ASSERT_TRUE(
      Call(*directory_, &v1::DirectoryService::Stub::ListHoldings, list, &page)
          .ok());
  std::vector<std::string> libs;
  for (const auto& h : page.holdings()) libs.push_back(h.library_id());
  EXPECT_THAT(libs, ElementsAre("BDG", "TMH"));

  list.mutable_title()->set_isbn(kIsbnBdgOnly);
  ASSERT_TRUE(
      Call(*directory_, &v1::DirectoryService::Stub::ListHoldings, list, &page)
          .ok());
  libs.clear();
  for (const auto& h : page.holdings()) libs.push_back(h.library_id());
  EXPECT_THAT(libs, ElementsAre("BDG", "TPG"));
}

TEST_F(DirectoryServiceTest, PutHoldingsLimitsAndErrors) {
  v1::PutHoldingsRequest req;
  req.set_library_id("BDG");
  for (int i = 0; i < 1001; ++i) {
    *req.add_holdings() = HoldingOf("BDG", kIsbn, absl::StrCat("BDG-x", i));
  }
  v1::PutHoldingsResponse out;
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::RESOURCE_EXHAUSTED, "holdings"));

  // Exactly the limit is fine.
  req.mutable_holdings()->RemoveLast();
  grpc::Status s =
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.written(), 1000);

  req.Clear();
  req.set_library_id("BDG");
  *req.add_holdings() = HoldingOf("BDG", kIsbn, "ok");
  *req.add_holdings() = HoldingOf("BDG", kBadIsbn, "bad");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::INVALID_ARGUMENT, "holdings[1].title.isbn"));

  req.mutable_holdings(1)->mutable_title()->set_isbn(kIsbn);
  req.mutable_holdings(1)->set_library_id("TPG");
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::INVALID_ARGUMENT, "holdings[1].library_id"));

  req.mutable_holdings(1)->set_library_id("BDG");
  req.mutable_holdings(1)->clear_item_id();
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::INVALID_ARGUMENT, "holdings[1].item_id"));
  req.mutable_holdings(1)->set_item_id(
      std::string(limits::kItemIdLen + 1, 'x'));
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::INVALID_ARGUMENT, "holdings[1].item_id: longer than"));
  req.mutable_holdings(1)->set_item_id("ok-item");
  req.mutable_holdings(1)->set_call_number(
      std::string(limits::kNameLen + 1, 'c'));
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::INVALID_ARGUMENT,
      "holdings[1].call_number: longer than"));
  req.mutable_holdings(1)->clear_call_number();

  req.set_library_id("SBY");
  req.clear_holdings();
  EXPECT_TRUE(HasStatus(
      Call(*directory_, &v1::DirectoryService::Stub::PutHoldings, req, &out),
      grpc::StatusCode::NOT_FOUND, "SBY"));
}

}  // namespace
}  // namespace silang::testing
