#include "engine/catalog/bulk.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "rocksdb/sst_file_writer.h"

namespace silang::catalog {
namespace {

absl::string_view KeyOf(const std::string& data, uint64_t offset,
                        uint32_t len) {
  return absl::string_view(data.data() + offset, len);
}

// Writes one family's sorted, distinct puts to path.
template <typename Entries>
absl::Status WriteFile(Store& store, Cf cf, const std::string& data,
                       const Entries& entries, const std::string& path) {
  rocksdb::Options options = store.db()->GetOptions(store.handle(cf));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options,
                                store.handle(cf),
                                /*invalidate_page_cache=*/false);
  RETURN_IF_ERROR(FromRocks(writer.Open(path), "open import file"));
  for (const auto* e : entries) {
    RETURN_IF_ERROR(FromRocks(
        writer.Put(rocksdb::Slice(data.data() + e->offset, e->key_len),
                   rocksdb::Slice(data.data() + e->offset + e->key_len,
                                  e->value_len)),
        "write import file"));
  }
  return FromRocks(writer.Finish(), "finish import file");
}

}  // namespace

std::string BulkDir(const Store& store) { return store.dir() + "/bulk"; }

void SstBatch::Put(Cf cf, absl::string_view key, absl::string_view value) {
  Family& f = families_[cf];
  f.entries.push_back({f.data.size(), static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value.size())});
  f.data.append(key.data(), key.size());
  f.data.append(value.data(), value.size());
  bytes_ += key.size() + value.size();
}

absl::Status SstBatch::Ingest(Store& store, const std::string& dir,
                              absl::string_view name) {
  std::map<Cf, Family> families = std::move(families_);
  families_.clear();
  bytes_ = 0;
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<std::string> paths;
  absl::Status status = absl::OkStatus();
  for (auto& [cf, f] : families) {
    // Sort by key, then by put order, and keep the last put of each key.
    std::vector<const Entry*> order;
    order.reserve(f.entries.size());
    for (const Entry& e : f.entries) order.push_back(&e);
    const std::string& data = f.data;
    std::sort(order.begin(), order.end(), [&](const Entry* a, const Entry* b) {
      int c = KeyOf(data, a->offset, a->key_len)
                  .compare(KeyOf(data, b->offset, b->key_len));
      return c != 0 ? c < 0 : a->offset < b->offset;
    });
    std::vector<const Entry*> distinct;
    distinct.reserve(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() &&
          KeyOf(data, order[i]->offset, order[i]->key_len) ==
              KeyOf(data, order[i + 1]->offset, order[i + 1]->key_len)) {
        continue;
      }
      distinct.push_back(order[i]);
    }
    std::string path =
        absl::StrCat(dir, "/", name, "-", static_cast<int>(cf), ".sst");
    paths.push_back(path);
    status = WriteFile(store, cf, data, distinct, path);
    if (!status.ok()) break;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = store.handle(cf);
    arg.external_files = {path};
    // Hard-link the file in rather than copying it; nothing older than
    // this release reads the store, so the sequence number need not be
    // written into the file.
    arg.options.move_files = true;
    arg.options.write_global_seqno = false;
    args.push_back(std::move(arg));
    // Drop this family's memory before the next one is sorted.
    f = Family();
  }
  if (status.ok() && !args.empty()) {
    status = FromRocks(store.db()->IngestExternalFiles(args), "ingest import");
  }
  // After a successful move RocksDB has removed these names already.
  for (const std::string& path : paths) std::remove(path.c_str());
  return status;
}

}  // namespace silang::catalog
