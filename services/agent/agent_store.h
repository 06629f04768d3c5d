// AgentStore: silang-agent's own RocksDB database in --data-dir.
//
// Column families (numbers pinned; DO NOT CHANGE) and key grammar, in the
// tuple encoding of engine/keys.h (big-endian integers, NUL-terminated
// strings):
//
//   0  meta      "agent"                 -> AgentMetaRecord
//                "cursor"                -> u64: last feed cursor applied
//   1  outbox    seq:u64                 -> OutboxRecord
//   2  tasks     request_id:str          -> CachedTaskRecord
//   3  items     item_id:str             -> ItemRecord
//   4  by_isbn   isbn13:str item_id:str  -> ""
//   5  pushes    seq:u64                 -> PushRecord
//
// Every write is one synced WriteBatch. Thread-safe.
#ifndef SILANG_SERVICES_AGENT_AGENT_STORE_H_
#define SILANG_SERVICES_AGENT_AGENT_STORE_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace silang::agent {

enum class Acf : int {
  kMeta = 0,
  kOutbox = 1,
  kTasks = 2,
  kItems = 3,
  kByIsbn = 4,
  kPushes = 5,
};
inline constexpr int kAcfCount = 6;

class AgentStore;

// One atomic write.
class AgentBatch {
 public:
  explicit AgentBatch(AgentStore& store) : store_(store) {}
  void Put(Acf cf, absl::string_view key, absl::string_view value);
  void Put(Acf cf, absl::string_view key,
           const google::protobuf::MessageLite& value);
  void Delete(Acf cf, absl::string_view key);
  rocksdb::WriteBatch& raw() { return batch_; }

 private:
  AgentStore& store_;
  rocksdb::WriteBatch batch_;
};

class AgentStore {
 public:
  static absl::StatusOr<std::unique_ptr<AgentStore>> Open(
      const std::string& dir);
  ~AgentStore();

  absl::StatusOr<std::optional<std::string>> Get(Acf cf,
                                                 absl::string_view key) const;
  // nullopt if absent; DataLoss if the value does not parse.
  template <typename Msg>
  absl::StatusOr<std::optional<Msg>> GetProto(Acf cf,
                                              absl::string_view key) const {
    auto raw = Get(cf, key);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::nullopt;
    Msg msg;
    if (!msg.ParseFromString(**raw)) return Corrupt(cf, key);
    return msg;
  }

  absl::Status Write(AgentBatch& batch);

  // fn(key, value) for each key in cf with this prefix, from max(prefix,
  // start) on, until fn returns false.
  absl::Status Scan(Acf cf, absl::string_view prefix, absl::string_view start,
                    const std::function<bool(absl::string_view,
                                             absl::string_view)>& fn) const;
  // The last key in cf; nullopt if it is empty.
  absl::StatusOr<std::optional<std::string>> LastKey(Acf cf) const;

  rocksdb::ColumnFamilyHandle* handle(Acf cf) const {
    return handles_[static_cast<int>(cf)];
  }
  static absl::Status Corrupt(Acf cf, absl::string_view key);

 private:
  AgentStore() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kAcfCount> handles_{};
};

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_AGENT_STORE_H_
