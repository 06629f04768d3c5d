#include "services/agent/agent_store.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/keys.h"
#include "engine/store.h"

namespace silang::agent {
namespace {

// Index = Acf number; "default" first, as RocksDB requires.
constexpr std::array<const char*, kAcfCount> kCfNames = {
    "default", "outbox", "tasks", "items", "by_isbn", "pushes"};

rocksdb::Slice SliceOf(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

}  // namespace

void AgentBatch::Put(Acf cf, absl::string_view key, absl::string_view value) {
  batch_.Put(store_.handle(cf), SliceOf(key), SliceOf(value));
}

void AgentBatch::Put(Acf cf, absl::string_view key,
                     const google::protobuf::MessageLite& value) {
  Put(cf, key, value.SerializeAsString());
}

void AgentBatch::Delete(Acf cf, absl::string_view key) {
  batch_.Delete(store_.handle(cf), SliceOf(key));
}

absl::StatusOr<std::unique_ptr<AgentStore>> AgentStore::Open(
    const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 1;
  options.keep_log_file_num = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open agent store in ", dir));
  std::unique_ptr<AgentStore> store(new AgentStore());
  store->db_.reset(raw);
  for (int i = 0; i < kAcfCount; ++i) store->handles_[i] = handles[i];
  return store;
}

AgentStore::~AgentStore() {
  if (!db_) return;
  for (auto* h : handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<std::string>> AgentStore::Get(
    Acf cf, absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handle(cf), SliceOf(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "get");
  return value;
}

absl::Status AgentStore::Write(AgentBatch& batch) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocks(db_->Write(sync, &batch.raw()), "write");
}

absl::Status AgentStore::Scan(
    Acf cf, absl::string_view prefix, absl::string_view start,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  const std::string upper = keys::PrefixEnd(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(cf)));
  const absl::string_view first = start > prefix ? start : prefix;
  for (it->Seek(SliceOf(first)); it->Valid(); it->Next()) {
    if (!fn(absl::string_view(it->key().data(), it->key().size()),
            absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scan");
}

absl::StatusOr<std::optional<std::string>> AgentStore::LastKey(Acf cf) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(cf)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "seek to last");
  if (!it->Valid()) return std::nullopt;
  return it->key().ToString();
}

absl::Status AgentStore::Corrupt(Acf cf, absl::string_view key) {
  return absl::DataLossError(absl::StrCat(
      "undecodable record in agent column family ",
      kCfNames[static_cast<int>(cf)], " at key ", absl::CHexEscape(key)));
}

}  // namespace silang::agent
