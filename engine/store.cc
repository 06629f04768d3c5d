#include "engine/store.h"

#include <chrono>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/counter_merge.h"
#include "engine/keys.h"
#include "engine/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/table.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {
namespace {

// Index = Cf number. "default" must come first: RocksDB requires it.
constexpr std::array<const char*, kCfCount> kCfNames = {
    "default",     "requests",     "audit",        "idempotency",
    "by_borrower", "by_lender",    "timers",       "libraries",
    "partnerships", "holdings",    "lib_holdings", "member_of",
    "tasks",       "counters",     "holding_gens", "titles",
    "title_words", "title_ids",
    "feed",        "feed_seqs",    "credentials",
};

constexpr char kSchemaKey[] = "schema_version";

// L1's size for the index families (Store::Open).
constexpr uint64_t kIndexLevelBaseBytes = 16 << 20;

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(msg);
  return absl::InternalError(msg);
}

void Batch::Put(Cf cf, absl::string_view key, absl::string_view value) {
  batch_.Put(store_.handle(cf), rocksdb::Slice(key.data(), key.size()),
             rocksdb::Slice(value.data(), value.size()));
}

void Batch::Put(Cf cf, absl::string_view key,
                const google::protobuf::MessageLite& value) {
  Put(cf, key, value.SerializeAsString());
}

void Batch::Merge(Cf cf, absl::string_view key,
                  const google::protobuf::MessageLite& delta) {
  std::string value = delta.SerializeAsString();
  batch_.Merge(store_.handle(cf), rocksdb::Slice(key.data(), key.size()),
               value);
}

void Batch::Delete(Cf cf, absl::string_view key) {
  batch_.Delete(store_.handle(cf), rocksdb::Slice(key.data(), key.size()));
}

namespace {

// Reports the time of every WAL sync (WAL files end in ".log"; SST and
// MANIFEST syncs are not reported). Asking for file I/O notifications makes
// RocksDB time every file operation (a few clock reads each, beside reads
// and writes of kilobytes), so the listener is only added when wanted.
class WalSyncListener final : public rocksdb::EventListener {
 public:
  explicit WalSyncListener(std::function<void(absl::Duration)> observe)
      : observe_(std::move(observe)) {}
  bool ShouldBeNotifiedOnFileIO() override { return true; }
  void OnFileSyncFinish(const rocksdb::FileOperationInfo& info) override {
    if (absl::EndsWith(info.path, ".log")) {
      observe_(absl::FromChrono(info.duration));
    }
  }

 private:
  const std::function<void(absl::Duration)> observe_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  // Keep the WAL small enough that recovery after a crash is quick: 64 MB
  // replays in about 2 s here (256 MB took 8). A clean close flushes, so a
  // normal start replays nothing (~Store).
  db_options.max_total_wal_size = 64 << 20;
  db_options.keep_log_file_num = 4;
  // After a crash, serve from the replayed memtables rather than writing
  // them all out to L0 before the first request.
  db_options.avoid_flush_during_recovery = true;
  // One budget for every family's memtables (21 families at 64 MB each
  // could otherwise hold over 2 GB), so resident memory stays bounded.
  db_options.db_write_buffer_size = options.write_buffer_bytes;
  db_options.max_open_files = options.max_open_files;
  if (options.max_open_files > 0) {
    // The table cache splits its capacity over 2^bits shards and lets each
    // hold at least one file, so 64 shards (the default) could hold 64
    // files open under any bound. At least 16 files per shard keeps the
    // bound a bound.
    int bits = 0;
    while (bits < 6 && (options.max_open_files >> (bits + 1)) >= 16) ++bits;
    db_options.table_cache_numshardbits = bits;
  }
  if (options.on_wal_sync) {
    db_options.listeners.push_back(
        std::make_shared<WalSyncListener>(options.on_wal_sync));
  }

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames) {
    descriptors.emplace_back(name, cf_options);
  }
  auto& counters = descriptors[static_cast<int>(Cf::kCounters)].options;
  counters.merge_operator = NewCounterMergeOperator();
  // A hot counter (the network's, a busy lender's) would otherwise pile up
  // operands that every read must fold; collapse them as they come.
  counters.max_successive_merges = 64;
  // Families whose keys begin with a library id (or a deadline) take small
  // writes spread across their whole key range, so every L0 file a flush
  // makes overlaps all of L1. With RocksDB's default 256 MB L1, each L0->L1
  // compaction rewrote the family's whole index (by_borrower: 4 MB of new
  // keys into 134 MB, every few flushes): on a store of 9.8 M requests,
  // compaction took 10-13 s of CPU per 21 s of submits. A 16 MB L1 of 4 MB
  // files keeps an L0->L1 compaction small and moves the rest down one
  // file's key range at a time (about 10x per level), so the cost grows
  // with the log of the index, not with its size. Existing stores move
  // their oversized L1 down on first open (one rewrite). `requests` and
  // `audit` are keyed by request id, mostly appended in order, and keep the
  // defaults.
  for (Cf cf : {Cf::kIdempotency, Cf::kByBorrower, Cf::kByLender, Cf::kTimers,
                Cf::kTasks, Cf::kCounters, Cf::kFeed}) {
    auto& index = descriptors[static_cast<int>(cf)].options;
    index.max_bytes_for_level_base = kIndexLevelBaseBytes;
    index.target_file_size_base = kIndexLevelBaseBytes / 4;
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.dir, descriptors, &handles, &raw);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("open store in ", options.dir));
  }
  std::unique_ptr<Store> store(new Store());
  store->db_.reset(raw);
  store->dir_ = options.dir;
  for (int i = 0; i < kCfCount; ++i) store->handles_[i] = handles[i];
  store->write_options_.sync = options.sync;
  store->on_synced_write_ = options.on_synced_write;

  auto schema =
      store->GetProto<storage::v1::SchemaRecord>(Cf::kMeta, kSchemaKey);
  if (!schema.ok()) return schema.status();
  if (!schema->has_value()) {
    auto last = store->LastKey(Cf::kRequests);
    if (!last.ok()) return last.status();
    if (last->has_value()) {
      return absl::DataLossError(absl::StrCat(
          "store in ", options.dir, " has requests but no schema version"));
    }
    storage::v1::SchemaRecord record;
    record.set_version(kSchemaVersion);
    record.set_written_by(absl::StrCat("silang ", "0.1.0"));
    Batch batch(*store);
    batch.Put(Cf::kMeta, kSchemaKey, record);
    if (absl::Status w = store->Write(batch); !w.ok()) return w;
  } else if ((*schema)->version() != kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store in ", options.dir, " holds schema version ",
        (*schema)->version(), " (written by ", (*schema)->written_by(),
        "); this binary reads version ", kSchemaVersion));
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  // A clean close leaves nothing in the WAL to replay: start-up then opens
  // in milliseconds however much was written (a crash still replays up to
  // max_total_wal_size).
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(),
                                                handles_.end());
  rocksdb::FlushOptions flush;
  flush.allow_write_stall = true;
  db_->Flush(flush, all).PermitUncheckedError();
  for (auto* h : handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<std::string>> Store::Get(
    Cf cf, absl::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "get");
  return value;
}

absl::Status Store::MultiGet(Cf cf, const std::vector<std::string>& keys,
                             std::vector<std::optional<std::string>>& values,
                             const rocksdb::ReadOptions& options) const {
  values.assign(keys.size(), std::nullopt);
  if (keys.empty()) return absl::OkStatus();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), handle(cf));
  std::vector<std::string> raw;
  std::vector<rocksdb::Status> read =
      db_->MultiGet(options, families, slices, &raw);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (read[i].IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocks(read[i], "multiget"));
    values[i] = std::move(raw[i]);
  }
  return absl::OkStatus();
}

absl::Status Store::Write(Batch& batch) {
  const auto start = std::chrono::steady_clock::now();
  rocksdb::Status s = db_->Write(write_options_, &batch.raw());
  if (on_synced_write_) {
    on_synced_write_(
        absl::FromChrono(std::chrono::steady_clock::now() - start));
  }
  return FromRocks(s, "write");
}

absl::Status Store::WriteUnsynced(Batch& batch) {
  rocksdb::WriteOptions unsynced = write_options_;
  unsynced.sync = false;
  return FromRocks(db_->Write(unsynced, &batch.raw()), "write");
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(
    Cf cf, const rocksdb::ReadOptions& options) const {
  return std::unique_ptr<rocksdb::Iterator>(
      db_->NewIterator(options, handle(cf)));
}

absl::StatusOr<std::optional<std::string>> Store::LastKey(Cf cf) const {
  auto it = NewIterator(cf, rocksdb::ReadOptions());
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "seek to last");
  if (!it->Valid()) return std::nullopt;
  return it->key().ToString();
}

uint64_t Store::IntProperty(absl::string_view name) const {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::Slice(name.data(), name.size()), &v)) {
      total += v;
    }
  }
  return total;
}

absl::Status Store::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.allow_write_stall = true;
  for (int i = 0; i < kCfCount; ++i) {
    rocksdb::Status s =
        db_->CompactRange(options, handles_[i], nullptr, nullptr);
    if (!s.ok()) {
      return FromRocks(s, absl::StrCat("compact ", kCfNames[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status Store::CorruptValue(Cf cf, absl::string_view key) {
  return absl::DataLossError(
      absl::StrCat("undecodable record in column family ",
                   kCfNames[static_cast<int>(cf)], " at key ",
                   absl::CHexEscape(key)));
}

std::string Store::keys_prefix_end(absl::string_view prefix) {
  return keys::PrefixEnd(prefix);
}

}  // namespace silang
