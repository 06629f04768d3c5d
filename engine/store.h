// Store: Silang's RocksDB database, one column family per record kind or
// index (the list and key grammar are in engine/keys.h).
//
// Every acknowledged write is synced to the WAL (WriteOptions::sync);
// concurrent writers share one fsync through RocksDB's group commit, so
// durability costs little under load. Open() checks the schema version and
// never scans records, so start-up time does not grow with the data; the
// destructor flushes the memtables, so a clean restart replays no WAL.
//
// Thread-safe: RocksDB handles are safe for concurrent use.
#ifndef SILANG_ENGINE_STORE_H_
#define SILANG_ENGINE_STORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace silang {

// DO NOT CHANGE the numbers: they name column families on disk.
enum class Cf : int {
  kMeta = 0,
  kRequests = 1,
  kAudit = 2,
  kIdempotency = 3,
  kByBorrower = 4,
  kByLender = 5,
  kTimers = 6,
  kLibraries = 7,
  kPartnerships = 8,
  kHoldings = 9,
  kLibHoldings = 10,
  kMemberOf = 11,
  kTasks = 12,
  kCounters = 13,
  kHoldingGens = 14,
  kTitles = 15,
  kTitleWords = 16,
  kTitleIds = 17,
  kFeed = 18,
  kFeedSeqs = 19,
  kCredentials = 20,
};
inline constexpr int kCfCount = 21;

// The on-disk layout version this binary reads and writes.
inline constexpr uint32_t kSchemaVersion = 1;

// Converts a RocksDB status to an engine status. The only place that does.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what);

class Store;

// One atomic, synced write: everything a command changes.
class Batch {
 public:
  explicit Batch(Store& store) : store_(store) {}
  void Put(Cf cf, absl::string_view key, absl::string_view value);
  void Put(Cf cf, absl::string_view key,
           const google::protobuf::MessageLite& value);
  void Delete(Cf cf, absl::string_view key);
  // Only for families with a merge operator (Cf::kCounters).
  void Merge(Cf cf, absl::string_view key,
             const google::protobuf::MessageLite& delta);
  rocksdb::WriteBatch& raw() { return batch_; }
  size_t Count() const { return batch_.Count(); }

 private:
  Store& store_;
  rocksdb::WriteBatch batch_;
};

class Store {
 public:
  struct Options {
    std::string dir;
    // Sync the WAL on every write. Only benchmarks of the non-durable
    // ceiling turn this off.
    bool sync = true;
    size_t block_cache_bytes = 256 << 20;
    // All memtables together, across column families.
    size_t write_buffer_bytes = 128 << 20;
    // Table (SST) files RocksDB keeps open; -1 keeps every one open. A store
    // of 10 M requests has about 1,800, so under a small open-file limit
    // (1,024 is a common default) it could not be opened at all; bounded,
    // the rest are reopened when read. RocksDB's minimum is 20.
    int max_open_files = -1;
    // If set, called after every Write (not WriteUnsynced) with how long it
    // took, fsync included, and a wait for the write group ahead of it:
    // what a synced commit costs as the store sees it. From the writing
    // thread, so it must be thread-safe and quick (silangd: a lock-free
    // metrics histogram).
    std::function<void(absl::Duration)> on_synced_write;
    // If set, called with the time of each WAL fsync, from the thread that
    // ran it (a write group's leader: concurrent writers share one). Its
    // distribution under load is the floor under on_synced_write's.
    std::function<void(absl::Duration)> on_wal_sync;
  };

  // Opens (creating if missing) the database in options.dir.
  // FailedPrecondition if it holds another schema version.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options);
  ~Store();

  // nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Get(Cf cf,
                                                 absl::string_view key) const;
  // values[i] := the value of keys[i], nullopt if absent; one MultiGet
  // (one pass over the memtables and files for all keys).
  absl::Status MultiGet(Cf cf, const std::vector<std::string>& keys,
                        std::vector<std::optional<std::string>>& values,
                        const rocksdb::ReadOptions& options = {}) const;
  // nullopt if absent; DataLoss if the value does not parse.
  template <typename Msg>
  absl::StatusOr<std::optional<Msg>> GetProto(Cf cf,
                                              absl::string_view key) const {
    auto raw = Get(cf, key);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::nullopt;
    Msg msg;
    if (!msg.ParseFromString(**raw)) {
      return CorruptValue(cf, key);
    }
    return msg;
  }
  // MultiGet, parsed: out[i] := keys[i]'s message, nullopt if absent;
  // DataLoss naming the key if a value does not parse.
  template <typename Msg>
  absl::Status MultiGetProto(Cf cf, const std::vector<std::string>& keys,
                             std::vector<std::optional<Msg>>& out,
                             const rocksdb::ReadOptions& options = {}) const {
    std::vector<std::optional<std::string>> raw;
    if (absl::Status s = MultiGet(cf, keys, raw, options); !s.ok()) return s;
    out.assign(keys.size(), std::nullopt);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!raw[i]) continue;
      if (!out[i].emplace().ParseFromString(*raw[i])) {
        return CorruptValue(cf, keys[i]);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Write(Batch& batch);
  // Without a WAL sync, for bulk data (imports, cleanup of old holdings):
  // durable once a later synced Write is, which makes every earlier WAL
  // entry durable too. Only for data a synced write then makes visible.
  absl::Status WriteUnsynced(Batch& batch);

  // An iterator over cf bounded to keys starting with prefix.
  std::unique_ptr<rocksdb::Iterator> NewIterator(
      Cf cf, const rocksdb::ReadOptions& options) const;

  // Calls fn(key, value) for each key with this prefix, starting at
  // max(prefix, start), until fn returns false.
  template <typename Fn>
  absl::Status Scan(Cf cf, absl::string_view prefix, absl::string_view start,
                    Fn&& fn) const {
    std::string upper = keys_prefix_end(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
    auto it = NewIterator(cf, ro);
    absl::string_view first = start > prefix ? start : prefix;
    for (it->Seek(rocksdb::Slice(first.data(), first.size())); it->Valid();
         it->Next()) {
      if (!fn(absl::string_view(it->key().data(), it->key().size()),
              absl::string_view(it->value().data(), it->value().size()))) {
        break;
      }
    }
    return FromRocks(it->status(), "scan");
  }

  // The last key in cf, or nullopt if cf is empty. O(log n).
  absl::StatusOr<std::optional<std::string>> LastKey(Cf cf) const;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const {
    return handles_[static_cast<int>(cf)];
  }
  const std::string& dir() const { return dir_; }
  // A RocksDB property (e.g. "rocksdb.estimate-num-keys") summed over cfs.
  uint64_t IntProperty(absl::string_view name) const;

  // Flushes every column family and compacts it fully, so nothing written
  // so far is left in memtables or level 0. Blocks until done; writes may
  // stall meanwhile. For a store just bulk-loaded offline (silang-bench
  // settles its loaded network with it before measuring).
  absl::Status CompactAll();

  static absl::Status CorruptValue(Cf cf, absl::string_view key);

 private:
  Store() = default;
  static std::string keys_prefix_end(absl::string_view prefix);

  std::string dir_;
  rocksdb::WriteOptions write_options_;
  std::function<void(absl::Duration)> on_synced_write_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> handles_{};
};

}  // namespace silang

#endif  // SILANG_ENGINE_STORE_H_
