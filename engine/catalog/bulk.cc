#include "engine/catalog/bulk.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

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
        writer.Put(
            rocksdb::Slice(data.data() + e->offset, e->key_len),
            rocksdb::Slice(data.data() + e->offset + e->key_len, e->value_len)),
        "write import file"));
  }
  return FromRocks(writer.Finish(), "finish import file");
}

// Import keys share long prefixes ("isbn:978...", a library and
// generation), so a sort comparing whole keys through pointers into the
// arena spends its time in cache misses and memcmp. This one sorts on the
// 16 bytes at `depth` held inline (big-endian, zero-padded), then each run
// that ties there on the next 16 bytes, and so on (MSD radix sort with
// 16-byte digits); ties between equal keys go by put order.
struct Sortable {
  uint64_t hi, lo;
  const SstBatch::Entry* e;
};
using SortIt = std::vector<Sortable>::iterator;

void SortKeys(const std::string& data, SortIt begin, SortIt end, size_t depth) {
  bool longer = false;  // does any key go on past this window?
  for (SortIt it = begin; it != end; ++it) {
    const SstBatch::Entry& e = *it->e;
    unsigned char b[16] = {};
    if (e.key_len > depth) {
      std::memcpy(b, data.data() + e.offset + depth,
                  std::min<size_t>(16, e.key_len - depth));
    }
    longer = longer || e.key_len > depth + 16;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) hi = hi << 8 | b[i];
    for (int i = 8; i < 16; ++i) lo = lo << 8 | b[i];
    it->hi = hi;
    it->lo = lo;
  }
  if (!longer) {
    // Every key ends in this window: compare whole keys (zero padding
    // makes "a" and "a\0" tie on the window).
    std::sort(begin, end, [&](const Sortable& a, const Sortable& b) {
      if (a.hi != b.hi) return a.hi < b.hi;
      if (a.lo != b.lo) return a.lo < b.lo;
      int c = KeyOf(data, a.e->offset, a.e->key_len)
                  .compare(KeyOf(data, b.e->offset, b.e->key_len));
      return c != 0 ? c < 0 : a.e->offset < b.e->offset;
    });
    return;
  }
  std::sort(begin, end, [](const Sortable& a, const Sortable& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    return a.e->offset < b.e->offset;
  });
  for (SortIt run = begin; run != end;) {
    SortIt next = run + 1;
    while (next != end && next->hi == run->hi && next->lo == run->lo) ++next;
    if (next - run > 1) SortKeys(data, run, next, depth + 16);
    run = next;
  }
}

}  // namespace

std::string BulkDir(const Store& store) { return store.dir() + "/bulk"; }

void SstBatch::Put(Cf cf, absl::string_view key, absl::string_view value) {
  Family& f = families_[cf];
  if (f.entries.empty()) {
    f.common = key.size();
  } else {
    const char* first = f.data.data();
    size_t n = std::min(f.common, key.size());
    size_t i = 0;
    while (i < n && first[i] == key[i]) ++i;
    f.common = i;
  }
  f.entries.push_back({f.data.size(), static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value.size())});
  f.data.append(key.data(), key.size());
  f.data.append(value.data(), value.size());
  bytes_ += key.size() + value.size();
}

absl::Status SstBatch::Ingest(Store& store, const std::string& dir,
                              absl::string_view name, size_t small_bytes) {
  const bool small = bytes_ < small_bytes;
  std::map<Cf, Family> families = std::move(families_);
  families_.clear();
  bytes_ = 0;
  Batch batch(store);  // if small
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<std::string> paths;
  absl::Status status = absl::OkStatus();
  for (auto& [cf, f] : families) {
    // Sort by key, then by put order, and keep the last put of each key.
    const std::string& data = f.data;
    std::vector<Sortable> order;
    order.reserve(f.entries.size());
    for (const Entry& e : f.entries) order.push_back({0, 0, &e});
    SortKeys(data, order.begin(), order.end(),
             f.common == SIZE_MAX ? 0 : f.common);
    auto key = [&](const Entry* e) {
      return KeyOf(data, e->offset, e->key_len);
    };
    // Equal keys end the sort in the same run at the same depth, so they
    // hold the same inline window: neighbours whose windows differ are
    // distinct without touching their keys in the arena.
    std::vector<const Entry*> distinct;
    distinct.reserve(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() && order[i].hi == order[i + 1].hi &&
          order[i].lo == order[i + 1].lo &&
          key(order[i].e) == key(order[i + 1].e)) {
        continue;
      }
      distinct.push_back(order[i].e);
    }
    order = std::vector<Sortable>();
    if (small) {
      // In key order: each memtable insert starts where the last ended.
      for (const Entry* e : distinct) {
        batch.Put(cf, key(e),
                  absl::string_view(data.data() + e->offset + e->key_len,
                                    e->value_len));
      }
      continue;
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
  if (small) return store.WriteUnsynced(batch);
  if (status.ok() && !args.empty()) {
    status = FromRocks(store.db()->IngestExternalFiles(args), "ingest import");
  }

  // After a successful move RocksDB has removed these names already.
  for (const std::string& path : paths) std::remove(path.c_str());
  return status;
}

}  // namespace silang::catalog
