// SstBatch: an import's puts, loaded into the store as external SST files
// instead of through the memtable.
//
// A bulk import writes about four keys per holding. Through a WriteBatch
// every key is a WAL append and a skip-list insert, and those were most of
// an import's time; an SST file is written once, sequentially, from keys
// sorted in memory. Ingest() sorts each family's puts, writes one file per
// family and ingests them all in one IngestExternalFiles call, which
// records them in the MANIFEST atomically (all families or none, also
// across a crash) and durably: the files are synced before it returns.
//
// Ingested keys take a sequence number newer than every write before the
// call, so an ingested key overwrites an equal key already in the store,
// and snapshots taken before the call do not see it. Callers use it only
// for keys nobody else writes at the same time: a pending holdings
// generation, which only its import writes, and title records, which are
// read, merged and ingested under the catalogue's title lock.
//
// Memory is the puts' bytes plus 16 bytes per put; callers bound it by
// ingesting when bytes() passes a limit. Not thread-safe.
#ifndef SILANG_ENGINE_CATALOG_BULK_H_
#define SILANG_ENGINE_CATALOG_BULK_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/store.h"

namespace silang::catalog {

class SstBatch {
 public:
  void Put(Cf cf, absl::string_view key, absl::string_view value);
  // Bytes held: keys and values.
  size_t bytes() const { return bytes_; }
  bool empty() const { return families_.empty(); }

  // Sorts, writes each family's puts to dir/<name>-<cf>.sst (a key put
  // twice keeps its last value), ingests the files, and empties the batch
  // whatever the outcome. The files are moved into the store, or deleted
  // on failure. dir must exist, on the store's file system.
  //
  // A batch of fewer than small_bytes goes in as one unsynced WriteBatch
  // instead (sorted, same result): a file per small import would leave
  // RocksDB compacting many tiny L0 files. Such a write is durable only
  // once a later synced write is (an import's commit).
  absl::Status Ingest(Store& store, const std::string& dir,
                      absl::string_view name, size_t small_bytes = 0);

  // One put: key at data[offset], then the value (public for the sort
  // in bulk.cc).
  struct Entry {
    uint64_t offset;
    uint32_t key_len;
    uint32_t value_len;
  };

 private:
  struct Family {
    std::string data;
    std::vector<Entry> entries;
    // How many leading bytes every key shares with the first: sorting
    // compares the bytes after them first, held inline (see Ingest).
    size_t common = SIZE_MAX;
  };
  std::map<Cf, Family> families_;
  size_t bytes_ = 0;
};

// The directory an import's SST files are written in: <store dir>/bulk.
std::string BulkDir(const Store& store);

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_BULK_H_
