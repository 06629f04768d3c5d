// SstBatch: whatever the puts' order, shared prefixes and repeats, the
// store ends up holding each key once, with its last value, and the
// ingested files are gone from the bulk directory.
#include "engine/catalog/bulk.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "engine/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace silang::catalog {
namespace {

std::map<std::string, std::string> Contents(Store& store, Cf cf) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(store
                  .Scan(cf, "", "",
                        [&](absl::string_view k, absl::string_view v) {
                          out.emplace(std::string(k), std::string(v));
                          return true;
                        })
                  .ok());
  return out;
}

// A store in a private temp dir, with its bulk directory made.
class SstBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store::Options options;
    options.dir = tmp_.Sub("db");
    auto opened = Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    dir_ = BulkDir(*store_);
    std::filesystem::create_directories(dir_);
  }
  Store& store() { return *store_; }

  silang::testing::TempDir tmp_{"bulk"};
  std::unique_ptr<Store> store_;
  std::string dir_;
};

TEST_F(SstBatchTest, IngestsSortedDistinctKeysWithTheLastValue) {

  std::map<std::string, std::string> want_titles, want_words;
  SstBatch batch;
  auto put = [&](Cf cf, const std::string& k, const std::string& v) {
    batch.Put(cf, k, v);
    (cf == Cf::kTitles ? want_titles : want_words)[k] = v;
  };
  // A deterministic shuffle of keys that share 20- and 40-byte prefixes,
  // differ past the first 16-byte windows, end inside a window ("a" vs
  // "a\0"), and repeat.
  const std::string p20(20, 'p'), p40(40, 'q');
  uint64_t x = 7;
  for (int i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int n = static_cast<int>(x >> 40) % 1500;
    std::string tail = std::to_string(n);
    put(Cf::kTitles, p20 + tail, "v" + std::to_string(i));
    put(Cf::kTitleWords, p40 + tail + std::string(n % 3, '\0'),
        std::to_string(i));
  }
  put(Cf::kTitleWords, "a", "1");
  put(Cf::kTitleWords, std::string("a\0", 2), "2");
  put(Cf::kTitleWords, "", "empty");
  ASSERT_TRUE(batch.Ingest(store(), dir_, "1-test").ok());
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(Contents(store(), Cf::kTitles), want_titles);
  EXPECT_EQ(Contents(store(), Cf::kTitleWords), want_words);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));

  // A later chunk overwrites equal keys and keeps the rest.
  batch.Put(Cf::kTitles, p20 + "7", "newer");
  want_titles[p20 + "7"] = "newer";
  ASSERT_TRUE(batch.Ingest(store(), dir_, "1-test2").ok());
  EXPECT_EQ(Contents(store(), Cf::kTitles), want_titles);
}

TEST_F(SstBatchTest, ASmallBatchIsWrittenNotIngested) {
  auto sst_bytes = [&] {
    uint64_t v = 0;
    store().db()->GetIntProperty(store().handle(Cf::kTitles),
                                   "rocksdb.total-sst-files-size", &v);
    return v;
  };

  SstBatch batch;
  batch.Put(Cf::kTitles, "b", "2");
  batch.Put(Cf::kTitles, "a", "1");
  batch.Put(Cf::kTitles, "b", "3");
  ASSERT_TRUE(batch.Ingest(store(), dir_, "1-small", /*small_bytes=*/100).ok());
  EXPECT_EQ(Contents(store(), Cf::kTitles),
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "3"}}));
  EXPECT_EQ(sst_bytes(), 0u);  // in the memtable

  batch.Put(Cf::kTitles, "c", "4");
  ASSERT_TRUE(batch.Ingest(store(), dir_, "1-big", /*small_bytes=*/1).ok());
  EXPECT_GT(sst_bytes(), 0u);  // ingested
  EXPECT_EQ(Contents(store(), Cf::kTitles).size(), 3u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

}  // namespace
}  // namespace silang::catalog
