#include "services/catalog_service.h"

#include <deque>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/convert.h"
#include "services/reply.h"

namespace silang {
namespace {

// Chunks queued between the gRPC threads and the import worker.
constexpr size_t kMaxQueued = 4;

absl::StatusOr<catalog::ImportOptions> FromApi(const v1::ImportHeader& h) {
  catalog::ImportOptions o;
  switch (h.format()) {
    case v1::CATALOG_FORMAT_MARC21:
      o.format = catalog::Format::kMarc21;
      break;
    case v1::CATALOG_FORMAT_MARCXML:
      o.format = catalog::Format::kMarcXml;
      break;
    case v1::CATALOG_FORMAT_CSV:
      o.format = catalog::Format::kCsv;
      break;
    default:
      return absl::InvalidArgumentError(
          "header.format: give MARC21, MARCXML or CSV");
  }
  switch (h.encoding()) {
    case v1::CATALOG_ENCODING_MARC8:
      o.encoding = catalog::MarcEncoding::kMarc8;
      break;
    case v1::CATALOG_ENCODING_UTF8:
      o.encoding = catalog::MarcEncoding::kUtf8;
      break;
    default:
      o.encoding = catalog::MarcEncoding::kAuto;
  }
  o.mapping.library_id = h.library_id();
  o.mapping.branches = {h.branches().begin(), h.branches().end()};
  for (const auto& [status, availability] : h.statuses()) {
    // Availability enums share numbers (tests/services/enum_parity_test).
    o.mapping.statuses[status] =
        static_cast<storage::v1::Availability>(static_cast<int>(availability));
  }
  o.max_listed_rejects = h.max_rejects() == 0 ? 100 : h.max_rejects();
  return o;
}

v1::ImportSummary SummaryToApi(const catalog::ImportSummary& s) {
  v1::ImportSummary out;
  out.set_bytes(s.bytes);
  out.set_records_read(s.records_read);
  out.set_records_rejected(s.records_rejected);
  out.set_items_rejected(s.items_rejected);
  out.set_titles(s.titles);
  out.set_titles_created(s.titles_created);
  out.set_holdings(s.holdings);
  out.set_holdings_removed(s.holdings_removed);
  out.set_bad_isbns(s.bad_isbns);
  for (const auto& [library, count] : s.holdings_by_library) {
    auto* l = out.add_libraries();
    l->set_library_id(library);
    l->set_holdings(count);
  }
  for (const auto& r : s.rejects) {
    auto* o = out.add_rejects();
    o->set_record(r.record);
    o->set_byte_offset(r.offset);
    o->set_reason(r.reason);
  }
  for (const auto& w : s.warnings) out.add_warnings(w);
  return out;
}

v1::CatalogTitle MatchToApi(const catalog::TitleMatch& m) {
  v1::CatalogTitle out;
  *out.mutable_title() = TitleRefOf(m.title.title_key());
  out.set_title_text(m.title.title());
  out.set_author(m.title.author());
  out.set_year(m.title.year());
  for (const auto& isbn : m.title.isbns()) out.add_isbns(isbn);
  for (const auto& issn : m.title.issns()) out.add_issns(issn);
  for (const auto& id : m.library_ids) out.add_holding_library_ids(id);
  out.set_holdings(m.holdings);
  return out;
}

// One upload. gRPC's threads run the On* callbacks, which only move
// chunks into the queue; the worker thread owns the Importer.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportChunk> {
 public:
  ImportReactor(catalog::Catalog& catalog, const Auth& auth,
                grpc::CallbackServerContext* ctx, v1::ImportSummary* resp)
      : catalog_(catalog), auth_(auth), ctx_(ctx), resp_(resp) {
    StartRead(&chunk_);
    worker_ = std::thread([this] { Run(); });
  }

  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (!ok) {  // closed, or gone away: Import() tells by the end chunk
      end_of_upload_ = true;
      return;
    }
    queue_.push_back(std::move(chunk_));
    chunk_.Clear();
    if (queue_.size() < kMaxQueued) {
      StartRead(&chunk_);
    } else {
      paused_ = true;
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  void OnDone() override {
    // The worker finishes the call last thing; it may be the thread
    // running OnDone, which must not wait for itself.
    if (worker_.get_id() == std::this_thread::get_id()) {
      worker_.detach();
    } else {
      worker_.join();
    }
    delete this;
  }

 private:
  void Run() {
    grpc::Status status = ToGrpc(Import());
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
    }
    Finish(status);
  }

  absl::Status Import() {
    std::unique_ptr<catalog::Importer> importer;
    // The upload is complete only with its end chunk: a stream that merely
    // stops (a client cancelling or gone away may look like one that is
    // done, and OnCancel can come after the last read) imports nothing.
    int64_t data_bytes = 0;
    bool ended = false;
    while (true) {
      v1::ImportChunk chunk;
      bool resume = false;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ImportReactor::Ready));
        if (cancelled_) {
          return absl::CancelledError("import cancelled; holdings unchanged");
        }
        if (queue_.empty()) break;  // end of upload
        chunk = std::move(queue_.front());
        queue_.pop_front();
        if (paused_) {
          paused_ = false;
          resume = true;
        }
      }
      if (resume) StartRead(&chunk_);
      if (!importer) {
        if (!chunk.has_header()) {
          return absl::InvalidArgumentError(
              "the first chunk must carry the header");
        }
        auto options = FromApi(chunk.header());
        if (!options.ok()) return options.status();
        for (const auto& library : options->mapping.Libraries()) {
          auto who = auth_.Check(*ctx_, Operation::kWriteHoldings, library);
          if (!who.ok()) return who.status();
        }
        auto started = catalog_.StartImport(*std::move(options));
        if (!started.ok()) return started.status();
        importer = *std::move(started);
        continue;
      }
      if (chunk.has_header()) {
        return absl::InvalidArgumentError("only the first chunk has a header");
      }
      if (ended) {
        return absl::InvalidArgumentError(
            "end: nothing may follow the end chunk; holdings unchanged");
      }
      if (chunk.has_end()) {
        if (chunk.end().data_bytes() != data_bytes) {
          return absl::InvalidArgumentError(absl::StrCat(
              "end.data_bytes: the upload says ", chunk.end().data_bytes(),
              " bytes but carried ", data_bytes, "; holdings unchanged"));
        }
        ended = true;
        continue;
      }
      data_bytes += static_cast<int64_t>(chunk.data().size());
      if (absl::Status s = importer->Feed(chunk.data()); !s.ok()) return s;
    }
    if (!importer) {
      return absl::InvalidArgumentError("empty upload: no header");
    }
    if (!ended) {
      return absl::InvalidArgumentError(
          absl::StrCat("end: the upload stopped after ", data_bytes,
                       " bytes without its end chunk; holdings unchanged"));
    }
    auto summary = importer->Finish();
    if (!summary.ok()) return summary.status();
    *resp_ = SummaryToApi(*summary);
    return absl::OkStatus();
  }

  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || end_of_upload_ || cancelled_;
  }

  catalog::Catalog& catalog_;
  const Auth& auth_;
  grpc::CallbackServerContext* ctx_;
  v1::ImportSummary* resp_;
  v1::ImportChunk chunk_;  // the read in flight writes here
  std::thread worker_;
  absl::Mutex mu_;
  std::deque<v1::ImportChunk> queue_ ABSL_GUARDED_BY(mu_);
  bool paused_ ABSL_GUARDED_BY(mu_) = false;  // queue full: no read started
  bool end_of_upload_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerReadReactor<v1::ImportChunk>* CatalogService::ImportHoldings(
    grpc::CallbackServerContext* ctx, v1::ImportSummary* resp) {
  return new ImportReactor(catalog_, auth_, ctx, resp);
}

grpc::ServerUnaryReactor* CatalogService::SearchTitles(
    grpc::CallbackServerContext* ctx, const v1::SearchTitlesRequest* req,
    v1::SearchTitlesResponse* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  catalog::TitleQuery query;
  switch (req->query_case()) {
    case v1::SearchTitlesRequest::kIsbn:
      query = {catalog::TitleQuery::Kind::kIsbn, req->isbn()};
      break;
    case v1::SearchTitlesRequest::kIssn:
      query = {catalog::TitleQuery::Kind::kIssn, req->issn()};
      break;
    case v1::SearchTitlesRequest::kWords:
      query = {catalog::TitleQuery::Kind::kWords, req->words()};
      break;
    default:
      return Reply(ctx, absl::InvalidArgumentError(
                            "query: give one of isbn, issn or words"));
  }
  auto page = catalog_.SearchTitles(query, req->page_size(), req->page_token());
  if (page.ok()) {
    for (const auto& m : page->items) *resp->add_titles() = MatchToApi(m);
    resp->set_next_page_token(page->next_token);
  }
  return Reply(ctx, page.status());
}

}  // namespace silang
