#include "engine/store.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StoreTest : public ::testing::Test {
 protected:
  Store::Options Opts() const {
    Store::Options o;
    o.dir = tmp_.Sub("db");
    o.block_cache_bytes = 1 << 20;
    return o;
  }

  std::unique_ptr<Store> OpenOrDie() {
    auto store = Store::Open(Opts());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  testing::TempDir tmp_{"store"};
};

s::RequestRecord Request(uint64_t id, s::State state) {
  s::RequestRecord r;
  r.set_id(id);
  r.set_version(1);
  r.set_state(state);
  r.set_borrower_library_id("perpusnas");
  r.set_title_key("isbn:9786020332956");
  return r;
}

TEST_F(StoreTest, OpenWritesSchemaVersion) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto schema = store->GetProto<s::SchemaRecord>(Cf::kMeta, "schema_version");
  ASSERT_TRUE(schema.ok()) << schema.status();
  ASSERT_TRUE(schema->has_value());
  EXPECT_EQ((*schema)->version(), kSchemaVersion);
  EXPECT_EQ(store->dir(), Opts().dir);
}

TEST_F(StoreTest, BatchAcrossColumnFamiliesReadsBackAndSurvivesReopen) {
  s::RequestRecord req = Request(7, s::STATE_SENT_TO_LENDER);
  s::AuditRecord audit;
  audit.set_request_id(7);
  audit.set_seq(1);
  audit.set_action(s::ACTION_SUBMIT);
  s::LibraryRecord lib;
  lib.set_id("perpusnas");
  lib.set_name("Perpustakaan Nasional");
  const std::string lib_key = keys::Builder().Str("perpusnas").Take();
  const std::string task_key = keys::Builder().Str("perpusnas").U64(7).Take();
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    Batch batch(*store);
    batch.Put(Cf::kRequests, keys::RequestKey(7), req);
    batch.Put(Cf::kAudit, keys::AuditKey(7, 1), audit);
    batch.Put(Cf::kLibraries, lib_key, lib);
    batch.Put(Cf::kTasks, task_key, std::string(1, '\x01'));
    EXPECT_EQ(batch.Count(), 4u);
    ASSERT_TRUE(store->Write(batch).ok());

    auto got =
        store->GetProto<s::RequestRecord>(Cf::kRequests, keys::RequestKey(7));
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->state(), s::STATE_SENT_TO_LENDER);
    EXPECT_EQ((*got)->borrower_library_id(), "perpusnas");

    // Column families are separate key spaces.
    auto elsewhere = store->Get(Cf::kAudit, keys::RequestKey(7));
    ASSERT_TRUE(elsewhere.ok());
    EXPECT_FALSE(elsewhere->has_value());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto got =
      store->GetProto<s::RequestRecord>(Cf::kRequests, keys::RequestKey(7));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id(), 7u);
  EXPECT_EQ((*got)->title_key(), "isbn:9786020332956");
  auto a = store->GetProto<s::AuditRecord>(Cf::kAudit, keys::AuditKey(7, 1));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->action(), s::ACTION_SUBMIT);
  auto l = store->GetProto<s::LibraryRecord>(Cf::kLibraries, lib_key);
  ASSERT_TRUE(l.ok() && l->has_value());
  EXPECT_EQ((*l)->name(), "Perpustakaan Nasional");
  auto t = store->Get(Cf::kTasks, task_key);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(**t, std::string(1, '\x01'));
}

TEST_F(StoreTest, DeleteInBatch) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  {
    Batch batch(*store);
    batch.Put(Cf::kTimers, "k", "v");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  {
    Batch batch(*store);
    batch.Delete(Cf::kTimers, "k");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto got = store->Get(Cf::kTimers, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(StoreTest, AbsentKeyIsNulloptNotError) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto got =
      store->GetProto<s::RequestRecord>(Cf::kRequests, keys::RequestKey(1));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
}

TEST_F(StoreTest, MultiGetAnswersEachKeyInOrderAbsentAsNullopt) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  {
    Batch batch(*store);
    batch.Put(Cf::kTimers, "a", "1");
    batch.Put(Cf::kTimers, "c", "3");
    batch.Put(Cf::kTasks, "b", "other family");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  std::vector<std::optional<std::string>> got;
  ASSERT_TRUE(store->MultiGet(Cf::kTimers, {"c", "b", "a", "c"}, got).ok());
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "3");
  EXPECT_EQ(got[1], std::nullopt);
  EXPECT_EQ(got[2], "1");
  EXPECT_EQ(got[3], "3");
  ASSERT_TRUE(store->MultiGet(Cf::kTimers, {}, got).ok());
  EXPECT_TRUE(got.empty());
}

// Files at one level of one family (a string property in RocksDB).
int FilesAtLevel(const Store& store, Cf cf, int level) {
  std::string files;
  if (!store.db()->GetProperty(
          store.handle(cf), absl::StrCat("rocksdb.num-files-at-level", level),
          &files)) {
    return -1;
  }
  return std::stoi(files);
}

TEST_F(StoreTest, CompactAllLeavesNothingInMemtablesOrLevelZero) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  for (int round = 0; round < 3; ++round) {
    Batch batch(*store);
    for (int i = 0; i < 100; ++i) {
      batch.Put(Cf::kHoldings, absl::StrCat("h", round, "-", i), "copy");
    }
    batch.Put(Cf::kTimers, absl::StrCat("t", round), "due");
    ASSERT_TRUE(store->Write(batch).ok());
    // One level-0 file per round.
    rocksdb::FlushOptions flush;
    ASSERT_TRUE(store->db()->Flush(flush, store->handle(Cf::kHoldings)).ok());
  }
  ASSERT_EQ(FilesAtLevel(*store, Cf::kHoldings, 0), 3);
  ASSERT_GT(store->IntProperty("rocksdb.num-entries-active-mem-table"), 0u);

  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_EQ(FilesAtLevel(*store, Cf::kHoldings, 0), 0);
  EXPECT_EQ(store->IntProperty("rocksdb.num-entries-active-mem-table"), 0u);
  EXPECT_EQ(store->Get(Cf::kHoldings, "h2-99").value(), "copy");
  EXPECT_EQ(store->Get(Cf::kTimers, "t0").value(), "due");
}

// Keys spread over the whole key range (a library id first), as the index
// families take them: every flush overlaps all of L1. An index family keeps
// a small L1 and moves the rest down (Store::Open); a family with RocksDB's
// defaults (256 MB L1) keeps it all in L1 and rewrites it on every L0->L1
// compaction.
TEST_F(StoreTest, IndexFamiliesMoveSpreadKeysBelowASmallLevelOne) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  std::mt19937_64 rng(7);
  std::string value(200, '\0');
  std::string last_key;
  for (int round = 0; round < 24; ++round) {  // 24 flushes of ~1 MB each
    Batch batch(*store);
    for (int i = 0; i < 5000; ++i) {
      for (char& c : value) c = static_cast<char>(rng());
      last_key = absl::StrCat("lib-", rng() % 180000, "/", round, "/", i);
      batch.Put(Cf::kByBorrower, last_key, value);
      batch.Put(Cf::kRequests, last_key, value);
    }
    ASSERT_TRUE(store->WriteUnsynced(batch).ok());
    rocksdb::FlushOptions flush;
    ASSERT_TRUE(store->db()
                    ->Flush(flush, {store->handle(Cf::kByBorrower),
                                    store->handle(Cf::kRequests)})
                    .ok());
  }
  // Let the automatic compactions finish.
  for (int i = 0; i < 600; ++i) {
    if (store->IntProperty("rocksdb.compaction-pending") == 0 &&
        store->IntProperty("rocksdb.num-running-compactions") == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(store->IntProperty("rocksdb.num-running-compactions"), 0u);
  EXPECT_GT(FilesAtLevel(*store, Cf::kByBorrower, 2), 0);
  EXPECT_EQ(FilesAtLevel(*store, Cf::kRequests, 2), 0);
  EXPECT_EQ(store->Get(Cf::kByBorrower, last_key).value(), value);
}

// Table (.sst) files of the store in dir that this process holds open.
int OpenTableFiles(const std::string& dir) {
  int open = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target =
        std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && absl::StartsWith(target, dir) &&
        absl::EndsWith(target, ".sst")) {
      ++open;
    }
  }
  return open;
}

// A store of more table files than max_open_files still opens and reads
// every one, holding at most that many open at once; by default it holds
// them all.
TEST_F(StoreTest, MaxOpenFilesBoundsTheTableFilesHeldOpen) {
  std::vector<std::string> keys;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    for (int round = 0; round < 2; ++round) {  // 2 level-0 files per family
      Batch batch(*store);
      for (int cf = 1; cf < kCfCount; ++cf) {
        keys.push_back(absl::StrCat("k", cf, "-", round));
        batch.Put(static_cast<Cf>(cf), keys.back(), "v");
      }
      ASSERT_TRUE(store->WriteUnsynced(batch).ok());
      std::vector<rocksdb::ColumnFamilyHandle*> families;
      for (int cf = 1; cf < kCfCount; ++cf) {
        families.push_back(store->handle(static_cast<Cf>(cf)));
      }
      ASSERT_TRUE(store->db()->Flush(rocksdb::FlushOptions(), families).ok());
    }
  }
  const std::string dir = Opts().dir;
  auto read_all = [&](Store& store) {
    for (int i = 0; i < static_cast<int>(keys.size()); ++i) {
      const Cf cf = static_cast<Cf>(1 + i % (kCfCount - 1));
      EXPECT_EQ(store.Get(cf, keys[i]).value(), "v") << keys[i];
    }
  };
  {
    auto store = OpenOrDie();  // max_open_files -1
    ASSERT_NE(store, nullptr);
    read_all(*store);
    EXPECT_GE(OpenTableFiles(dir), 2 * (kCfCount - 1));
  }
  Store::Options bounded = Opts();
  bounded.max_open_files = 20;
  auto store = Store::Open(bounded);
  ASSERT_TRUE(store.ok()) << store.status();
  read_all(**store);
  EXPECT_LE(OpenTableFiles(dir), 20);
}

TEST_F(StoreTest, SchemaVersionMismatchIsFailedPrecondition) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    s::SchemaRecord future;
    future.set_version(999);
    future.set_written_by("silang 9.9.9");
    std::string value = future.SerializeAsString();
    Batch batch(*store);
    batch.raw().Put(store->handle(Cf::kMeta), "schema_version", value);
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto reopened = Store::Open(Opts());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.status().message(), HasSubstr("schema version 999"));
  EXPECT_THAT(reopened.status().message(), HasSubstr("silang 9.9.9"));
  EXPECT_THAT(reopened.status().message(), HasSubstr(Opts().dir));
}

TEST_F(StoreTest, RequestsWithoutSchemaVersionIsDataLoss) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    Batch batch(*store);
    batch.Put(Cf::kRequests, keys::RequestKey(1),
              Request(1, s::STATE_SUBMITTED));
    batch.Delete(Cf::kMeta, "schema_version");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto reopened = Store::Open(Opts());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(reopened.status().message(), HasSubstr("no schema version"));
}

TEST_F(StoreTest, CorruptValueIsDataLoss) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  Batch batch(*store);
  // A field tag whose varint never ends: no proto parses this.
  batch.Put(Cf::kRequests, keys::RequestKey(5), std::string("\xff\xff\xff", 3));
  ASSERT_TRUE(store->Write(batch).ok());
  auto got =
      store->GetProto<s::RequestRecord>(Cf::kRequests, keys::RequestKey(5));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("requests"));
  // The raw bytes are still readable: only decoding fails.
  auto raw = store->Get(Cf::kRequests, keys::RequestKey(5));
  ASSERT_TRUE(raw.ok() && raw->has_value());
}

TEST_F(StoreTest, LastKey) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto empty = store->LastKey(Cf::kRequests);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());

  Batch batch(*store);
  for (uint64_t id : {3u, 300u, 17u, 256u}) {
    batch.Put(Cf::kRequests, keys::RequestKey(id), Request(id, s::STATE_LOST));
  }
  ASSERT_TRUE(store->Write(batch).ok());
  auto last = store->LastKey(Cf::kRequests);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(**last, keys::RequestKey(300));
  // Another cf is unaffected.
  auto audit = store->LastKey(Cf::kAudit);
  ASSERT_TRUE(audit.ok());
  EXPECT_FALSE(audit->has_value());
}

class StoreScanTest : public StoreTest {
 protected:
  void SetUp() override {
    store_ = OpenOrDie();
    ASSERT_NE(store_, nullptr);
    Batch batch(*store_);
    for (uint64_t id = 1; id <= 5; ++id) {
      batch.Put(Cf::kTasks, Key("lib-a", id), std::to_string(id));
    }
    batch.Put(Cf::kTasks, Key("lib-", 9), "short");  // a prefix of lib-a
    batch.Put(Cf::kTasks, Key("lib-b", 1), "b1");
    batch.Put(Cf::kTasks, Key("lib-a0", 1), "a0");
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  static std::string Key(absl::string_view lib, uint64_t id) {
    return keys::Builder().Str(lib).U64(id).Take();
  }

  std::vector<std::string> ScanValues(absl::string_view prefix,
                                      absl::string_view start,
                                      int limit = 100) {
    std::vector<std::string> out;
    absl::Status st = store_->Scan(
        Cf::kTasks, prefix, start, [&](absl::string_view, absl::string_view v) {
          out.emplace_back(v);
          return static_cast<int>(out.size()) < limit;
        });
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  std::unique_ptr<Store> store_;
};

TEST_F(StoreScanTest, PrefixBoundsTheScan) {
  const std::string prefix = keys::Builder().Str("lib-a").Take();
  EXPECT_THAT(ScanValues(prefix, ""), ElementsAre("1", "2", "3", "4", "5"));
  const std::string b = keys::Builder().Str("lib-b").Take();
  EXPECT_THAT(ScanValues(b, ""), ElementsAre("b1"));
  const std::string none = keys::Builder().Str("lib-c").Take();
  EXPECT_TRUE(ScanValues(none, "").empty());
}

TEST_F(StoreScanTest, StartInsidePrefix) {
  const std::string prefix = keys::Builder().Str("lib-a").Take();
  EXPECT_THAT(ScanValues(prefix, Key("lib-a", 3)), ElementsAre("3", "4", "5"));
  // A start below the prefix starts at the prefix.
  EXPECT_THAT(ScanValues(prefix, Key("lib-", 9)),
              ElementsAre("1", "2", "3", "4", "5"));
  // A start past the prefix yields nothing.
  EXPECT_TRUE(ScanValues(prefix, Key("lib-b", 0)).empty());
  EXPECT_TRUE(ScanValues(prefix, Key("lib-a", 6)).empty());
}

TEST_F(StoreScanTest, CallbackStopsTheScan) {
  const std::string prefix = keys::Builder().Str("lib-a").Take();
  EXPECT_THAT(ScanValues(prefix, "", 2), ElementsAre("1", "2"));
}

TEST_F(StoreScanTest, EmptyPrefixScansTheWholeFamily) {
  EXPECT_THAT(ScanValues("", ""),
              ElementsAre("short", "1", "2", "3", "4", "5", "a0", "b1"));
}

TEST(FromRocksTest, MapsEachRocksStatus) {
  EXPECT_TRUE(FromRocks(rocksdb::Status::OK(), "x").ok());
  EXPECT_EQ(FromRocks(rocksdb::Status::NotFound(), "x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromRocks(rocksdb::Status::Corruption("bad block"), "x").code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocks(rocksdb::Status::Busy(), "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocks(rocksdb::Status::TimedOut(), "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocks(rocksdb::Status::InvalidArgument(), "x").code(),
            absl::StatusCode::kFailedPrecondition);
  absl::Status io = FromRocks(rocksdb::Status::IOError("disk full"), "write");
  EXPECT_EQ(io.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(io.message(), HasSubstr("write"));
  EXPECT_THAT(io.message(), HasSubstr("disk full"));
}

}  // namespace
}  // namespace silang
