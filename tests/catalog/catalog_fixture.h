// A store, directory and catalogue over a private temp dir with a fake
// clock, and helpers to import the shared MARC files, for catalog tests.
#ifndef SILANG_TESTS_CATALOG_CATALOG_FIXTURE_H_
#define SILANG_TESTS_CATALOG_CATALOG_FIXTURE_H_

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/catalog/catalog.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace silang::catalog::testing {

inline std::string MarcPath(const std::string& name) {
  return std::string(SILANG_MARC_DIR) + "/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  void Open() {
    Store::Options options;
    options.dir = tmp_.Sub("db");
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    directory_ = std::make_unique<Directory>(*store_, clock_);
    catalog_ = std::make_unique<Catalog>(*store_, *directory_);
  }

  void Close() {
    catalog_.reset();
    directory_.reset();
    store_.reset();
  }

  void AddLibrary(const std::string& id) {
    storage::v1::LibraryRecord lib;
    lib.set_id(id);
    lib.set_name("Perpustakaan " + id);
    lib.set_lat(-6.2);
    lib.set_lon(106.8);
    lib.set_time_zone("WIB");
    auto put = directory_->PutLibrary(lib, 0);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  static ImportOptions Options(
      const std::string& library, Format format,
      std::map<std::string, std::string> branches = {}) {
    ImportOptions o;
    o.format = format;
    o.mapping.library_id = library;
    o.mapping.branches = std::move(branches);
    return o;
  }

  // Imports data fed in chunks of `chunk` bytes.
  absl::StatusOr<ImportSummary> Import(const ImportOptions& options,
                                       const std::string& data,
                                       size_t chunk = 4096) {
    auto importer = catalog_->StartImport(options);
    if (!importer.ok()) return importer.status();
    for (size_t at = 0; at < data.size(); at += chunk) {
      absl::Status s =
          (*importer)->Feed(absl::string_view(data).substr(at, chunk));
      if (!s.ok()) return s;
    }
    return (*importer)->Finish();
  }

  // Every title key in the catalogue.
  std::vector<std::string> TitleKeys() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Scan(Cf::kTitles, "", "",
                           [&](absl::string_view k, absl::string_view) {
                             keys::Reader r(k);
                             out.emplace_back(*r.Str());
                             return true;
                           })
                    .ok());
    return out;
  }

  // title key -> libraries holding it now.
  std::map<std::string, std::set<std::string>> Holders() {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& key : TitleKeys()) {
      auto holdings = directory_->HoldersOf(key);
      EXPECT_TRUE(holdings.ok()) << holdings.status();
      for (const auto& h : *holdings) out[key].insert(h.library_id());
    }
    return out;
  }

  // Every live holding as "title|library|item".
  std::set<std::string> AllHoldings() {
    std::set<std::string> out;
    for (const auto& key : TitleKeys()) {
      auto holdings = directory_->HoldersOf(key);
      EXPECT_TRUE(holdings.ok()) << holdings.status();
      for (const auto& h : *holdings) {
        out.insert(h.title_key() + "|" + h.library_id() + "|" + h.item_id());
      }
    }
    return out;
  }

  // Keys in a column family (live or not): to see that garbage is gone.
  int64_t CountKeys(Cf cf) {
    int64_t n = 0;
    EXPECT_TRUE(store_
                    ->Scan(cf, "", "",
                           [&](absl::string_view, absl::string_view) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }

  silang::testing::TempDir tmp_{"catalog"};
  FakeClock clock_{absl::FromUnixSeconds(1709694000)};  // 2024-03-06 10:00 WIB
  std::unique_ptr<Store> store_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace silang::catalog::testing

#endif  // SILANG_TESTS_CATALOG_CATALOG_FIXTURE_H_
