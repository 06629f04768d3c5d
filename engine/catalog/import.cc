// The Importer: framing, decoding and extraction on the caller's thread;
// titles and holdings collected into chunks, sorted and ingested as SST
// files by two BatchWriter threads, the holdings under the import's
// holdings generation (why that is crash-safe: catalog.h).
#include <pthread.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/catalog/bulk.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/csv.h"
#include "engine/catalog/text.h"
#include "engine/status_macros.h"

namespace silang::catalog {
namespace {

// A batch goes to the writer threads once it holds this many holdings or
// records: large enough to amortize the hand-off, small enough to keep
// memory flat.
constexpr size_t kBatchHoldings = 4096;
constexpr size_t kBatchRecords = 2048;
// MARC records are decoded (YAZ) and extracted on this many threads of
// the import's own, in batches of about this many records or bytes.
constexpr int kDecodeThreads = 2;
constexpr size_t kDecodeRecords = 512;
constexpr size_t kDecodeBytes = 1 << 20;
// Chunks smaller than this are written through the memtable, not ingested.
constexpr size_t kSmallChunkBytes = 4 << 20;

}  // namespace

// Runs an import's jobs on a thread of its own, in the order pushed, while
// the importer's thread frames on. An import has two writers (one for
// title records: read, merge, ingest under the catalogue's title lock; one
// for holdings) and, for MARC, kDecodeThreads decoders. Push() waits
// while kDepth jobs are queued, so memory stays bounded. After the
// first failed job, later ones are dropped and Push() and Drain() return
// that failure; destroying the worker drops what is still queued.
class BatchWriter {
 public:
  using Job = std::function<absl::Status()>;

  explicit BatchWriter(const char* name)
      : name_(name), thread_([this] { Run(); }) {}
  ~BatchWriter() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  absl::Status Push(Job job) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &BatchWriter::HasRoom));
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(job));
    return absl::OkStatus();
  }

  // Waits until every queued job has run.
  absl::Status Drain() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &BatchWriter::Idle));
    return error_;
  }

 private:
  static constexpr size_t kDepth = 2;

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() < kDepth || !error_.ok();
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (queue_.empty() && !busy_) || !error_.ok();
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stop_;
  }

  void Run() {
    pthread_setname_np(pthread_self(), name_);  // for top -H and perf
    while (true) {
      Job job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &BatchWriter::HasWork));
        if (stop_) return;  // queued jobs are dropped: abandoned
        job = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      absl::Status done = job();
      absl::MutexLock lock(&mu_);
      busy_ = false;
      if (!done.ok()) {
        if (error_.ok()) error_ = done;
        queue_.clear();
      }
    }
  }

  const char* name_;
  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the rest is built
};

class SeenTitles {
 public:
  // True the first time fp is seen.
  bool Insert(uint64_t fp) { return set_.insert(fp).second; }
  bool Contains(uint64_t fp) const { return set_.contains(fp); }
  size_t size() const { return set_.size(); }

 private:
  absl::flat_hash_set<uint64_t> set_;
};

// Framed MARC records waiting to be decoded and extracted on a decode
// thread; the importer's thread takes the results back in upload order,
// so counts and the reject list come out as if it had decoded them itself.
struct DecodeBatch {
  struct Record {
    int64_t number;
    int64_t offset;
    size_t at;  // in bytes
    size_t len;
    std::string xml_prefix;
    std::string bad;  // the framer's reason, if it is not a record
  };
  std::string bytes;
  std::vector<Record> records;
  std::vector<absl::StatusOr<Extracted>> out;  // one per record
  absl::Notification done;
};

class Importer::Sink final : public RecordSink, public CsvSink {
 public:
  explicit Sink(Importer& importer) : importer_(importer) {}
  absl::Status OnRecord(const RawRecord& record) override {
    return importer_.Queue(record.bytes, record.number, record.offset,
                           record.xml_prefix, "");
  }
  absl::Status OnBadRecord(int64_t number, int64_t offset,
                           std::string reason) override {
    return importer_.Queue("", number, offset, "", std::move(reason));
  }
  absl::Status OnRow(std::vector<std::string>& cells, int64_t line,
                     int64_t offset) override {
    return importer_.OnRow(cells, line, offset);
  }
  absl::Status OnBadRow(int64_t line, int64_t offset,
                        std::string reason) override {
    ++importer_.summary_.records_read;
    ++importer_.summary_.records_rejected;
    importer_.Reject(line, offset, std::move(reason));
    return absl::OkStatus();
  }

 private:
  Importer& importer_;
};

Importer::Importer(Catalog& catalog, ImportOptions options,
                   std::vector<std::string> libraries, uint64_t generation)
    : catalog_(catalog),
      options_(std::move(options)),
      libraries_(std::move(libraries)),
      generation_(generation),
      sink_(std::make_unique<Sink>(*this)),
      seen_titles_(std::make_unique<SeenTitles>()),
      title_ingester_(std::make_unique<BatchWriter>("silang-ingest-t")),
      holding_ingester_(std::make_unique<BatchWriter>("silang-ingest-h")),
      title_writer_(std::make_unique<BatchWriter>("silang-titles")),
      holding_writer_(std::make_unique<BatchWriter>("silang-holdings")),
      holding_chunk_(std::make_unique<SstBatch>()) {
  switch (options_.format) {
    case Format::kMarc21:
      framer_ = NewIso2709Framer();
      break;
    case Format::kMarcXml:
      framer_ = NewMarcXmlFramer();
      break;
    case Format::kCsv:
      csv_ = std::make_unique<CsvReader>();
      break;
  }
  for (const auto& id : libraries_) summary_.holdings_by_library[id] = 0;
  if (framer_) {
    for (int i = 0; i < kDecodeThreads; ++i) {
      decoders_.push_back(std::make_unique<MarcDecoder>());
      decode_workers_.push_back(std::make_unique<BatchWriter>("silang-decode"));
    }
  }
}

Importer::~Importer() {
  // Decode threads first: they write into the batches in flight.
  decode_workers_.clear();
  if (state_ != State::kDone) Abandon();
  catalog_.ImportEnded(generation_);
}

void Importer::Abandon() {
  state_ = State::kDone;
  decode_workers_.clear();
  // Stop writing before the generation is dropped: the writers first, as
  // they hand chunks to the ingesters.
  title_writer_.reset();
  holding_writer_.reset();
  title_ingester_.reset();
  holding_ingester_.reset();
  Directory& d = catalog_.directory_;
  // Best effort: if this fails too, the pending generation is still
  // invisible, and the libraries' next import deletes it.
  if (d.AbandonHoldingsReplacement(libraries_, generation_).ok()) {
    for (const auto& id : libraries_) {
      d.DeleteStaleHoldings(id, generation_).IgnoreError();
    }
  }
}

void Importer::Reject(int64_t record, int64_t offset, std::string reason) {
  if (static_cast<int>(summary_.rejects.size()) < options_.max_listed_rejects) {
    summary_.rejects.push_back({record, offset, std::move(reason)});
  }
}

absl::Status Importer::Feed(absl::string_view data) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone) {
    return absl::FailedPreconditionError("import already finished");
  }
  summary_.bytes += static_cast<int64_t>(data.size());
  absl::Status s =
      csv_ ? csv_->Feed(data, *sink_) : framer_->Feed(data, *sink_);
  if (!s.ok()) {
    state_ = State::kFailed;
    error_ = s;
  }
  return s;
}

absl::StatusOr<ImportSummary> Importer::Finish() {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone) {
    return absl::FailedPreconditionError("import already finished");
  }
  absl::Status s = csv_ ? csv_->Finish(*sink_) : framer_->Finish(*sink_);
  if (s.ok() && framer_) s = SubmitDecodes();
  while (s.ok() && !decoding_.empty()) s = TakeDecoded();
  if (s.ok()) s = Flush(/*last=*/true);
  if (s.ok()) s = title_writer_->Drain();
  if (s.ok()) s = holding_writer_->Drain();
  if (s.ok()) s = title_ingester_->Drain();
  if (s.ok()) s = holding_ingester_->Drain();
  if (s.ok() && csv_ && !csv_columns_) {
    s = absl::InvalidArgumentError("CSV: the upload has no header row");
  }
  if (s.ok()) {
    // Routing keeps its cached holders of every title this upload did not
    // name (a fingerprint collision only drops one more).
    const SeenTitles& seen = *seen_titles_;
    s = catalog_.directory_.CommitHoldingsReplacement(
        libraries_, generation_, [&seen](absl::string_view title_key) {
          return seen.Contains(Fingerprint(title_key));
        });
  }
  if (!s.ok()) {
    state_ = State::kFailed;
    error_ = s;
    return s;
  }
  state_ = State::kDone;
  summary_.titles_created = titles_created_;
  title_writer_.reset();
  holding_writer_.reset();
  title_ingester_.reset();
  holding_ingester_.reset();
  for (const auto& id : libraries_) {
    auto removed = catalog_.directory_.DeleteStaleHoldings(id);
    if (removed.ok()) {
      summary_.holdings_removed += *removed;
    } else {
      summary_.warnings.push_back(absl::StrCat(
          "library ", id, ": old holdings are hidden but not yet deleted (",
          removed.status().message(), "); the next import deletes them"));
    }
  }
  summary_.titles = static_cast<int64_t>(seen_titles_->size());
  return summary_;
}

absl::Status Importer::Queue(absl::string_view bytes, int64_t number,
                             int64_t offset, absl::string_view xml_prefix,
                             std::string bad) {
  if (!queued_) queued_ = std::make_unique<DecodeBatch>();
  DecodeBatch& b = *queued_;
  b.records.push_back({number, offset, b.bytes.size(), bytes.size(),
                       std::string(xml_prefix), std::move(bad)});
  b.bytes.append(bytes.data(), bytes.size());
  if (b.records.size() < kDecodeRecords && b.bytes.size() < kDecodeBytes) {
    return absl::OkStatus();
  }
  return SubmitDecodes();
}

absl::Status Importer::SubmitDecodes() {
  if (!queued_) return absl::OkStatus();
  // Take results back in order while the decode threads work ahead.
  while (decoding_.size() >= 2 * decode_workers_.size()) {
    RETURN_IF_ERROR(TakeDecoded());
  }
  DecodeBatch* batch = queued_.get();
  decoding_.push_back(std::move(queued_));
  const size_t w = decode_turn_++ % decode_workers_.size();
  MarcDecoder* decoder = decoders_[w].get();
  std::string xml_encoding = framer_->xml_encoding();
  return decode_workers_[w]->Push([this, batch, decoder, xml_encoding] {
    batch->out.reserve(batch->records.size());
    for (const DecodeBatch::Record& r : batch->records) {
      if (!r.bad.empty()) {
        batch->out.push_back(absl::InvalidArgumentError(r.bad));
        continue;
      }
      absl::string_view bytes =
          absl::string_view(batch->bytes).substr(r.at, r.len);
      absl::StatusOr<MarcRecord> marc =
          options_.format == Format::kMarcXml
              ? decoder->DecodeXml(bytes, r.xml_prefix, xml_encoding)
              : decoder->DecodeIso2709(bytes, options_.encoding);
      batch->out.push_back(marc.ok()
                               ? ExtractMarc(*marc, r.number, options_.mapping)
                               : absl::StatusOr<Extracted>(marc.status()));
    }
    batch->done.Notify();
    return absl::OkStatus();
  });
}

absl::Status Importer::TakeDecoded() {
  std::unique_ptr<DecodeBatch> batch = std::move(decoding_.front());
  decoding_.pop_front();
  batch->done.WaitForNotification();
  for (size_t i = 0; i < batch->records.size(); ++i) {
    const DecodeBatch::Record& r = batch->records[i];
    absl::StatusOr<Extracted>& extracted = batch->out[i];
    ++summary_.records_read;
    if (!extracted.ok()) {
      ++summary_.records_rejected;
      Reject(r.number, r.offset, std::string(extracted.status().message()));
      continue;
    }
    RETURN_IF_ERROR(Add(*std::move(extracted), r.number, r.offset));
  }
  return absl::OkStatus();
}

absl::Status Importer::OnRow(std::vector<std::string>& cells, int64_t line,
                             int64_t offset) {
  if (!csv_columns_) {
    ASSIGN_OR_RETURN(csv_columns_, CsvColumns::FromHeader(cells));
    return absl::OkStatus();
  }
  ++summary_.records_read;
  auto extracted = ExtractCsv(cells, *csv_columns_, options_.mapping);
  if (!extracted.ok()) {
    ++summary_.records_rejected;
    Reject(line, offset, std::string(extracted.status().message()));
    return absl::OkStatus();
  }
  return Add(*std::move(extracted), line, offset);
}

absl::Status Importer::Add(Extracted extracted, int64_t record,
                           int64_t offset) {
  summary_.bad_isbns += extracted.bad_isbns;
  for (auto& why : extracted.item_errors) {
    ++summary_.items_rejected;
    Reject(record, offset, std::move(why));
  }
  pending_holdings_ += extracted.holdings.size();
  pending_.push_back(std::move(extracted));
  if (pending_holdings_ >= kBatchHoldings || pending_.size() >= kBatchRecords) {
    return Flush(/*last=*/false);
  }
  return absl::OkStatus();
}

absl::Status Importer::Flush(bool last) {
  Directory& directory = catalog_.directory_;
  const int64_t now = directory.clock().NowMicros();
  auto titles = std::make_shared<std::vector<TitleRecord>>();
  auto holdings = std::make_shared<std::vector<HoldingRecord>>();
  holdings->reserve(pending_holdings_);
  for (Extracted& e : pending_) {
    // A title key's first record in the upload describes it.
    if (seen_titles_->Insert(Fingerprint(e.title.title_key()))) {
      titles->push_back(std::move(e.title));
    }
    for (HoldingRecord& h : e.holdings) {
      h.set_updated_at_us(now);
      if (absl::Status s =
              directory.ValidateHolding("holding", h.library_id(), h);
          !s.ok()) {
        // Extraction already keeps holdings valid; this is a backstop.
        ++summary_.items_rejected;
        Reject(0, 0, std::string(s.message()));
        continue;
      }
      ++summary_.holdings;
      ++summary_.holdings_by_library[h.library_id()];
      holdings->push_back(std::move(h));
    }
  }
  pending_.clear();
  pending_holdings_ = 0;
  if (holdings->empty() && titles->empty() && !last) return absl::OkStatus();
  RETURN_IF_ERROR(holding_writer_->Push(
      [this, holdings, last] { return WriteHoldings(*holdings, last); }));
  return title_writer_->Push(
      [this, titles, last] { return WriteTitles(*titles, last); });
}

size_t Importer::SmallChunk() const {
  // The tail of an upload, or a small one, is written rather than
  // ingested (bulk.h); never a full chunk, so tests with small chunks
  // still ingest.
  return std::min(options_.ingest_bytes, kSmallChunkBytes);
}

absl::Status Importer::WriteHoldings(std::vector<HoldingRecord>& holdings,
                                     bool last) {
  std::string value;
  for (const HoldingRecord& h : holdings) {
    h.SerializeToString(&value);
    auto [key, lib_key] = Directory::HoldingKeys(generation_, h);
    holding_chunk_->Put(Cf::kHoldings, key, value);
    holding_chunk_->Put(Cf::kLibHoldings, lib_key, "");
  }
  holdings.clear();
  if (holding_chunk_->empty() ||
      (!last && holding_chunk_->bytes() < options_.ingest_bytes)) {
    return absl::OkStatus();
  }
  // The full chunk is sorted and ingested on the ingester's thread while
  // this one fills the next; waiting for the previous chunk first keeps
  // at most two in memory.
  std::shared_ptr<SstBatch> chunk = std::move(holding_chunk_);
  holding_chunk_ = std::make_unique<SstBatch>();
  std::string name = absl::StrCat(generation_, "-h", holding_files_++);
  RETURN_IF_ERROR(holding_ingester_->Drain());
  return holding_ingester_->Push([this, chunk, name] {
    return chunk->Ingest(catalog_.store_, BulkDir(catalog_.store_), name,
                         SmallChunk());
  });
}

absl::Status Importer::WriteTitles(std::vector<TitleRecord>& titles,
                                   bool last) {
  for (TitleRecord& t : titles) {
    // The record, and its key again in each index entry.
    title_chunk_bytes_ +=
        t.ByteSizeLong() + t.title_key().size() * (2 + t.isbns_size());
    title_chunk_.push_back(std::move(t));
  }
  titles.clear();
  if (title_chunk_.empty() ||
      (!last && title_chunk_bytes_ < options_.ingest_bytes)) {
    return absl::OkStatus();
  }
  // As for holdings: merged and ingested on the ingester's thread while
  // this one collects the next chunk.
  auto chunk = std::make_shared<std::vector<TitleRecord>>();
  chunk->swap(title_chunk_);
  title_chunk_bytes_ = 0;
  std::string name = absl::StrCat(generation_, "-t", title_files_++);
  RETURN_IF_ERROR(title_ingester_->Drain());
  return title_ingester_->Push([this, chunk, name] {
    std::vector<TitleRecord*> staged;
    staged.reserve(chunk->size());
    for (TitleRecord& t : *chunk) staged.push_back(&t);
    SstBatch batch;
    // Titles are read, merged and ingested under the catalogue's title
    // lock, so that concurrent imports never lose each other's ISBNs.
    absl::MutexLock lock(&catalog_.titles_mu_);
    ASSIGN_OR_RETURN(int64_t created, catalog_.StageTitles(staged, batch));
    titles_created_ += created;
    std::vector<TitleRecord>().swap(*chunk);  // staged: free it all now
    return batch.Ingest(catalog_.store_, BulkDir(catalog_.store_), name,
                        SmallChunk());
  });
}

}  // namespace silang::catalog
