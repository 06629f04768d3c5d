// The Importer: framing, decoding and extraction on the caller's thread,
// written in batches under the import's holdings generation.
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/csv.h"
#include "engine/catalog/text.h"
#include "engine/status_macros.h"

namespace silang::catalog {
namespace {

// A batch is written once it holds this many holdings or records: large
// enough to amortize the write, small enough to keep memory flat.
constexpr size_t kBatchHoldings = 4096;
constexpr size_t kBatchRecords = 2048;

}  // namespace

class SeenTitles {
 public:
  // True the first time fp is seen.
  bool Insert(uint64_t fp) { return set_.insert(fp).second; }
  size_t size() const { return set_.size(); }

 private:
  absl::flat_hash_set<uint64_t> set_;
};

class Importer::Sink final : public RecordSink, public CsvSink {
 public:
  explicit Sink(Importer& importer) : importer_(importer) {}
  absl::Status OnRecord(const RawRecord& record) override {
    return importer_.OnRecord(record);
  }
  absl::Status OnBadRecord(int64_t number, int64_t offset,
                           std::string reason) override {
    ++importer_.summary_.records_read;
    ++importer_.summary_.records_rejected;
    importer_.Reject(number, offset, std::move(reason));
    return absl::OkStatus();
  }
  absl::Status OnRow(std::vector<std::string>& cells, int64_t line,
                     int64_t offset) override {
    return importer_.OnRow(cells, line, offset);
  }
  absl::Status OnBadRow(int64_t line, int64_t offset,
                        std::string reason) override {
    return OnBadRecord(line, offset, std::move(reason));
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
      seen_titles_(std::make_unique<SeenTitles>()) {
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
}

Importer::~Importer() {
  if (state_ != State::kDone) Abandon();
}

void Importer::Abandon() {
  state_ = State::kDone;
  Directory& d = catalog_.directory_;
  // Best effort: if this fails too, the pending generation is still
  // invisible, and the libraries' next import deletes it.
  if (d.AbandonHoldingsReplacement(libraries_, generation_).ok()) {
    for (const auto& id : libraries_) d.DeleteStaleHoldings(id).IgnoreError();
  }
}

void Importer::Reject(int64_t record, int64_t offset, std::string reason) {
  if (static_cast<int>(summary_.rejects.size()) <
      options_.max_listed_rejects) {
    summary_.rejects.push_back({record, offset, std::move(reason)});
  }
}

absl::Status Importer::Feed(absl::string_view data) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone) {
    return absl::FailedPreconditionError("import already finished");
  }
  summary_.bytes += static_cast<int64_t>(data.size());
  absl::Status s = csv_ ? csv_->Feed(data, *sink_) : framer_->Feed(data, *sink_);
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
  if (s.ok()) s = Flush();
  if (s.ok() && csv_ && !csv_columns_) {
    s = absl::InvalidArgumentError("CSV: the upload has no header row");
  }
  if (s.ok()) {
    s = catalog_.directory_.CommitHoldingsReplacement(libraries_, generation_);
  }
  if (!s.ok()) {
    state_ = State::kFailed;
    error_ = s;
    return s;
  }
  state_ = State::kDone;
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

absl::Status Importer::OnRecord(const RawRecord& record) {
  ++summary_.records_read;
  absl::StatusOr<MarcRecord> marc =
      options_.format == Format::kMarcXml
          ? decoder_.DecodeXml(record.bytes, record.xml_prefix,
                               framer_->xml_encoding())
          : decoder_.DecodeIso2709(record.bytes, options_.encoding);
  absl::StatusOr<Extracted> extracted =
      marc.ok() ? ExtractMarc(*marc, record.number, options_.mapping)
                : absl::StatusOr<Extracted>(marc.status());
  if (!extracted.ok()) {
    ++summary_.records_rejected;
    Reject(record.number, record.offset,
           std::string(extracted.status().message()));
    return absl::OkStatus();
  }
  return Add(*std::move(extracted), record.number, record.offset);
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
    return Flush();
  }
  return absl::OkStatus();
}

absl::Status Importer::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  Directory& directory = catalog_.directory_;
  Batch batch(catalog_.store_);
  const int64_t now = directory.clock().NowMicros();
  // Titles first seen in this upload, one per key.
  std::vector<TitleRecord*> titles;
  absl::flat_hash_map<absl::string_view, TitleRecord*> in_batch;
  for (Extracted& e : pending_) {
    TitleRecord& t = e.title;
    if (auto it = in_batch.find(t.title_key()); it != in_batch.end()) {
      continue;
    }
    if (seen_titles_->Insert(Fingerprint(t.title_key()))) {
      titles.push_back(&t);
      in_batch.emplace(t.title_key(), &t);
    }
  }
  for (Extracted& e : pending_) {
    for (HoldingRecord& h : e.holdings) {
      h.set_updated_at_us(now);
      if (absl::Status s = directory.ValidateHolding("holding", h.library_id(), h);
          !s.ok()) {
        // Extraction already keeps holdings valid; this is a backstop.
        ++summary_.items_rejected;
        Reject(0, 0, std::string(s.message()));
        continue;
      }
      directory.StageHolding(batch, generation_, h);
      ++summary_.holdings;
      ++summary_.holdings_by_library[h.library_id()];
    }
  }
  {
    absl::MutexLock lock(&catalog_.titles_mu_);
    ASSIGN_OR_RETURN(int64_t created, catalog_.StageTitles(titles, batch));
    summary_.titles_created += created;
    RETURN_IF_ERROR(directory.WriteUnsynced(batch));
  }
  pending_.clear();
  pending_holdings_ = 0;
  return absl::OkStatus();
}

}  // namespace silang::catalog
