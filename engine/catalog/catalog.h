// Catalog: the union catalogue. Imports a library's MARC21, MARCXML or CSV
// export as the library's complete holdings, and searches titles by ISBN,
// ISSN or title words.
//
// An import replaces the holdings of every library it names (the file's
// library and every library its branch mapping maps to) and no other, as
// one switch (Directory's holdings generations): until Finish() commits,
// readers see the old holdings, whatever happens to the process; after it,
// only the new. It streams: memory is at most two chunks each of title and
// holding puts, one being collected and one being sorted and ingested
// (ImportOptions::ingest_bytes each, plus the sort's index and the titles'
// records: at the default, a 1M-holding import peaks about 560 MB of
// resident memory in all), a few batches of records, and about 16 bytes
// per distinct title (to count them), never the file. A record that
// cannot be read or keyed is skipped and reported with its position; an item
// that cannot be mapped likewise.
//
// Holdings and titles reach the store as ingested SST files (bulk.h), not
// through the memtable, except chunks under 4 MiB (a small upload, or the
// end of one), which go in as one unsynced WriteBatch each. Why a crash
// still keeps the old holdings:
//   - holdings keys carry the import's generation, which only this import
//     writes and no reader looks at until the commit; each chunk's
//     holdings and lib_holdings keys are ingested (or written) together,
//     atomically, so every holdings key has the lib_holdings key cleanup
//     finds it by;
//   - an ingestion is durable when it returns, and the commit (one synced
//     write) runs only after the last chunk is in; its WAL sync also makes
//     the earlier unsynced batches durable, so a committed generation is
//     whole;
//   - a crash before the commit leaves ingested keys of a generation that
//     never became current: the library's next import marks it stale and
//     DeleteStaleHoldings deletes it, as it did the WAL-written keys of old;
//   - the SST files being written live in <store>/bulk under their
//     generation's name and are moved into RocksDB by the ingestion; the
//     next StartImport deletes any a dead process left there.
// Title records are shared between imports, so a chunk of them is read,
// merged and ingested under titles_mu_: no concurrent import's write can
// fall between the read and the ingestion and be overwritten.
//
// Titles are shared: one TitleRecord per title key, created by the first
// import that brings it and enriched (more ISBNs, missing fields) by later
// ones, never deleted; search shows which libraries hold each title now.
//
// Thread-safe. Several imports may run at once if their libraries differ.
#ifndef SILANG_ENGINE_CATALOG_CATALOG_H_
#define SILANG_ENGINE_CATALOG_CATALOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/catalog/extract.h"
#include "engine/catalog/marc.h"
#include "engine/directory.h"
#include "engine/page.h"
#include "engine/store.h"

namespace silang::catalog {

enum class Format { kMarc21, kMarcXml, kCsv };

struct ImportOptions {
  Format format = Format::kMarc21;
  MarcEncoding encoding = MarcEncoding::kAuto;  // ISO 2709 only
  ItemMapping mapping;                          // mapping.library_id required
  // How many rejects the summary lists (all are counted); at most 10000.
  int max_listed_rejects = 100;
  // Bytes of holdings (and, apart, of titles) held in memory before they
  // are ingested as a chunk; at least 1. Bigger chunks make fewer, larger
  // files for compaction to merge. Tests make it small to ingest often.
  size_t ingest_bytes = 64 << 20;
};

// A record (or item, or CSV row) skipped, and why.
struct ImportReject {
  int64_t record = 0;  // MARC record number, or CSV line, 1-based
  int64_t offset = 0;  // byte offset in the upload
  std::string reason;
};

struct ImportSummary {
  int64_t bytes = 0;
  int64_t records_read = 0;      // records or CSV rows, bad ones included
  int64_t records_rejected = 0;  // skipped whole
  int64_t items_rejected = 0;    // items skipped in records that were kept
  int64_t titles = 0;            // distinct title keys in the upload
  int64_t titles_created = 0;    // of those, new to the catalogue
  int64_t holdings = 0;          // holdings written
  int64_t holdings_removed = 0;  // previous holdings of these libraries
  int64_t bad_isbns = 0;         // 020$a values that are not ISBNs
  std::map<std::string, int64_t> holdings_by_library;
  std::vector<ImportReject> rejects;  // the first max_listed_rejects
  std::vector<std::string> warnings;
};

class Catalog;
class SstBatch;

// One upload. Feed() it the bytes in any chunking, then Finish(). The
// caller's thread frames (and parses CSV); for MARC, two threads of the
// Importer's own decode and extract, two more collect the titles and the
// holdings into chunks, and two more sort and ingest each full chunk, so
// all overlap (at most a few batches, and one chunk of each kind, wait
// between them). Dropping an Importer unfinished (or after an error)
// abandons it: the libraries keep their old holdings and the partial new
// ones are deleted. Not thread-safe: one caller at a time.
class Importer {
 public:
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // Internal (I/O) on a store failure, InvalidArgument on a CSV header
  // without the needed columns: the import is then abandoned.
  absl::Status Feed(absl::string_view data);
  // Reads what remains, commits, deletes the old holdings.
  absl::StatusOr<ImportSummary> Finish();

  const ImportSummary& progress() const { return summary_; }

 private:
  friend class Catalog;
  class Sink;
  Importer(Catalog& catalog, ImportOptions options,
           std::vector<std::string> libraries, uint64_t generation);

  // MARC: queues a framed record (or, with bad set, the framer's reason
  // it is not one) for the decode threads.
  absl::Status Queue(absl::string_view bytes, int64_t number, int64_t offset,
                     absl::string_view xml_prefix, std::string bad);
  absl::Status SubmitDecodes();
  // Waits for the oldest batch in decoding_ and adds its records.
  absl::Status TakeDecoded();
  absl::Status OnRow(std::vector<std::string>& cells, int64_t line,
                     int64_t offset);
  void Reject(int64_t record, int64_t offset, std::string reason);
  absl::Status Add(Extracted extracted, int64_t record, int64_t offset);
  // Hands the pending records to the writers; last: the upload's end.
  absl::Status Flush(bool last);
  // On the writer threads: add a batch, and ingest once a chunk is full
  // (or, with last, whatever is left).
  absl::Status WriteHoldings(std::vector<HoldingRecord>& holdings, bool last);
  absl::Status WriteTitles(std::vector<TitleRecord>& titles, bool last);
  size_t SmallChunk() const;
  void Abandon();

  enum class State { kOpen, kFailed, kDone };

  Catalog& catalog_;
  ImportOptions options_;
  std::vector<std::string> libraries_;
  uint64_t generation_;
  State state_ = State::kOpen;
  absl::Status error_;
  std::unique_ptr<Framer> framer_;  // MARC formats
  // Batches of framed records: being filled, and handed to the decode
  // threads (oldest first). Each decode thread has its own decoder.
  std::unique_ptr<struct DecodeBatch> queued_;
  std::deque<std::unique_ptr<struct DecodeBatch>> decoding_;
  std::vector<std::unique_ptr<MarcDecoder>> decoders_;
  std::vector<std::unique_ptr<class BatchWriter>> decode_workers_;
  size_t decode_turn_ = 0;
  std::unique_ptr<class CsvReader> csv_;
  std::optional<CsvColumns> csv_columns_;
  std::unique_ptr<Sink> sink_;
  std::vector<Extracted> pending_;
  size_t pending_holdings_ = 0;
  // Fingerprints of the title keys seen in this upload (8 bytes each).
  std::unique_ptr<class SeenTitles> seen_titles_;
  // Sort, merge and ingest the writers' full chunks on threads of their
  // own, so that a chunk's ingestion never stalls the import.
  std::unique_ptr<class BatchWriter> title_ingester_;
  std::unique_ptr<class BatchWriter> holding_ingester_;
  // Write titles and holdings on threads of their own while this one
  // parses on. (Declared after the ingesters, which they push to, so
  // that they stop first.)
  std::unique_ptr<class BatchWriter> title_writer_;
  std::unique_ptr<class BatchWriter> holding_writer_;
  std::atomic<int64_t> titles_created_{0};  // by title_ingester_
  // Only holding_writer_'s thread touches these two.
  std::unique_ptr<SstBatch> holding_chunk_;
  int holding_files_ = 0;
  // Only title_writer_'s thread touches these three.
  std::vector<TitleRecord> title_chunk_;
  size_t title_chunk_bytes_ = 0;
  int title_files_ = 0;
  ImportSummary summary_;
};

struct TitleQuery {
  enum class Kind { kIsbn, kIssn, kWords };
  Kind kind = Kind::kWords;
  std::string text;
};

struct TitleMatch {
  TitleRecord title;                     // only title_key, if not catalogued
  std::vector<std::string> library_ids;  // holding it now, in id order
  int64_t holdings = 0;
};

class Catalog {
 public:
  // Borrows store and directory; both must outlive the Catalog.
  Catalog(Store& store, Directory& directory)
      : store_(store), directory_(directory) {}

  // Checks the options (InvalidArgument), that every library exists
  // (NotFound) and that none is being imported already
  // (FailedPrecondition), and reserves the new holdings generation.
  absl::StatusOr<std::unique_ptr<Importer>> StartImport(ImportOptions options);

  // Titles by ISBN (either form) or ISSN, including titles that carry it as
  // a further identifier, or by title words (all must match). Pages follow
  // key order; page_size 0 means 50, at most 500.
  absl::StatusOr<Page<TitleMatch>> SearchTitles(
      const TitleQuery& query, int page_size,
      absl::string_view page_token) const;

  absl::StatusOr<std::optional<TitleRecord>> GetTitle(
      absl::string_view title_key) const;

 private:
  friend class Importer;

  // Adds new and enriched titles to batch; returns how many were created.
  // REQUIRES: titles_mu_ held until batch is ingested.
  absl::StatusOr<int64_t> StageTitles(std::vector<TitleRecord*>& titles,
                                      SstBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(titles_mu_);
  absl::StatusOr<TitleMatch> Describe(absl::string_view title_key) const;
  // Deletes the SST files of imports that are not running (a dead
  // process's), from the bulk directory.
  absl::Status SweepBulkDir() ABSL_EXCLUSIVE_LOCKS_REQUIRED(importing_mu_);
  void ImportEnded(uint64_t generation);

  Store& store_;
  Directory& directory_;
  // Serializes read-merge-write of title records between imports.
  absl::Mutex titles_mu_;
  // Generations of the imports running in this process: their files in
  // the bulk directory are in use. (One Catalog per Store, as in silangd.)
  absl::Mutex importing_mu_;
  std::set<uint64_t> importing_ ABSL_GUARDED_BY(importing_mu_);
};

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_CATALOG_H_
