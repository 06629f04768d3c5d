#include "tools/bench/loader.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "silang/v1/admin.grpc.pb.h"
#include "silang/v1/catalog.grpc.pb.h"
#include "silang/v1/directory.grpc.pb.h"

namespace silang::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Describe(const grpc::Status& s) {
  return absl::StrCat("code ", s.error_code(), ": ", s.error_message());
}

// One stub of Service per connection, for calls spread over them.
template <typename Service>
std::vector<std::unique_ptr<typename Service::Stub>> StubsOf(
    const Connection& conn) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (int c = 0; c < conn.channels(); ++c) {
    stubs.push_back(Service::NewStub(conn.channel(c)));
  }
  return stubs;
}

v1::Library ToLibrary(const LibrarySpec& spec, const std::string& monday,
                      const std::string& sunday) {
  v1::Library lib;
  FillLibrary(spec, monday, sunday, lib);
  return lib;
}

// Runs `n` calls with `k` in flight through the callback API: start(i, done)
// must start call i and arrange for done(status) to run when it finishes.
// Returns the first error.
template <typename Start>
absl::Status RunInFlight(int64_t n, int k, Start start,
                         std::atomic<int64_t>& done_count) {
  std::mutex mu;
  std::condition_variable cv;
  int64_t next = 0;
  int64_t finished = 0;
  grpc::Status first_error;
  std::function<void()> launch;
  launch = [&] {
    int64_t i;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (next >= n || !first_error.ok()) return;
      i = next++;
    }
    start(i, [&](const grpc::Status& s) {
      done_count.fetch_add(1, std::memory_order_relaxed);
      bool more;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!s.ok() && first_error.ok()) first_error = s;
        ++finished;
        more = next < n && first_error.ok();
        cv.notify_all();
      }
      if (more) launch();
    });
  };
  for (int j = 0; j < k; ++j) launch();
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return finished == next && (next == n || !first_error.ok()); });
  if (!first_error.ok()) return absl::UnknownError(Describe(first_error));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadReport> LoadNetwork(const Connection& conn,
                                       const NetworkPlan& plan,
                                       const WorkloadShape& shape,
                                       const LoadOptions& options,
                                       LoadProgress& progress) {
  LoadReport report;
  const absl::Time now = absl::Now();
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilDay monday =
      today - (static_cast<int>(absl::GetWeekday(today)) -
               static_cast<int>(absl::Weekday::monday));
  const std::string from = absl::FormatCivilTime(monday);
  const std::string to = absl::FormatCivilTime(monday + 6);

  // 1. Libraries.
  auto t = Clock::now();
  progress.stage = "libraries";
  progress.done = 0;
  progress.total = static_cast<int64_t>(plan.libraries.size());
  {
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      v1::PutLibraryRequest req;
      v1::Library resp;
    };
    auto stubs = StubsOf<v1::AdminService>(conn);
    std::vector<std::unique_ptr<Call>> calls(plan.libraries.size());
    absl::Status s = RunInFlight(
        static_cast<int64_t>(plan.libraries.size()),
        options.library_concurrency,
        [&](int64_t i, auto done) {
          auto& call = calls[i];
          call = std::make_unique<Call>();
          call->ctx = conn.NewContext();
          *call->req.mutable_library() =
              ToLibrary(plan.libraries[i], from, to);
          stubs[i % stubs.size()]->async()->PutLibrary(
              call->ctx.get(), &call->req, &call->resp,
              [&calls, i, done](grpc::Status st) {
                calls[i].reset();  // before done(): it may end the loop
                done(st);
              });
        },
        progress.done);
    if (!s.ok()) return absl::UnknownError(absl::StrCat("PutLibrary: ", s.message()));
  }
  report.libraries_s = Since(t);

  // 2. Partnerships.
  t = Clock::now();
  progress.stage = "partnerships";
  progress.done = 0;
  progress.total = static_cast<int64_t>(plan.partnerships.size());
  {
    std::atomic<size_t> next{0};
    std::mutex mu;
    absl::Status first = absl::OkStatus();
    std::vector<std::thread> threads;
    for (int w = 0; w < options.partnership_threads; ++w) {
      threads.emplace_back([&, w] {
        auto stub = v1::AdminService::NewStub(conn.channel(w));
        for (size_t i = next++; i < plan.partnerships.size(); i = next++) {
          const PartnershipSpec& spec = plan.partnerships[i];
          v1::PutPartnershipRequest req;
          v1::Partnership* p = req.mutable_partnership();
          p->set_id(spec.id);
          p->set_name(spec.id);
          p->set_tier(spec.tier);
          p->set_valid_from("2024-01-01");
          p->set_valid_until("2099-12-31");
          p->set_terms(v1::PARTNERSHIP_TERMS_RECIPROCAL);
          for (int m : spec.members) p->add_member_ids(LibraryId(m));
          v1::Partnership resp;
          auto ctx = conn.NewContext(120);
          grpc::Status s = stub->PutPartnership(ctx.get(), req, &resp);
          ++progress.done;
          if (!s.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            if (first.ok()) {
              first = absl::UnknownError(
                  absl::StrCat("PutPartnership ", spec.id, ": ", Describe(s)));
            }
            return;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    if (!first.ok()) return first;
  }
  report.partnerships_s = Since(t);

  // 3. Holdings, bucketed by upload (a range of library indexes).
  t = Clock::now();
  progress.stage = "holdings (generating)";
  const int per = std::max(1, options.libraries_per_import);
  const int uploads = (shape.libraries + per - 1) / per;
  struct Row {
    int32_t title;
    int32_t library;
    bool on_loan;
  };
  std::vector<std::vector<Row>> buckets(uploads);
  for (int64_t title = 0; title < shape.titles; ++title) {
    for (const Copy& c : HoldersOfTitle(shape, title)) {
      buckets[c.library / per].push_back(
          {static_cast<int32_t>(title), c.library, c.on_loan});
      ++report.holdings;
    }
  }
  progress.stage = "holdings";
  progress.done = 0;
  progress.total = report.holdings;
  if (!options.holdings_via_import) {
    // One PutHoldings call per library, its whole holdings, 64 in flight.
    std::vector<std::vector<const Row*>> by_library(shape.libraries);
    for (const auto& bucket : buckets) {
      for (const Row& r : bucket) by_library[r.library].push_back(&r);
    }
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      v1::PutHoldingsRequest req;
      v1::PutHoldingsResponse resp;
    };
    auto stubs = StubsOf<v1::DirectoryService>(conn);
    std::vector<std::unique_ptr<Call>> calls(shape.libraries);
    std::atomic<int64_t> calls_done{0};
    absl::Status s = RunInFlight(
        shape.libraries, options.library_concurrency,
        [&](int64_t lib, auto done) {
          auto& call = calls[lib];
          call = std::make_unique<Call>();
          call->ctx = conn.NewContext(120);
          call->req.set_library_id(LibraryId(static_cast<int>(lib)));
          call->req.set_replace_all(true);
          for (const Row* r : by_library[lib]) {
            v1::Holding* h = call->req.add_holdings();
            h->mutable_title()->set_isbn(TitleIsbn(r->title));
            h->set_item_id(absl::StrCat("it-", r->title));
            h->set_material_type(v1::MATERIAL_TYPE_BOOK);
            h->set_availability(r->on_loan ? v1::AVAILABILITY_ON_LOAN
                                           : v1::AVAILABILITY_ON_SHELF);
          }
          progress.done += call->req.holdings_size();
          stubs[lib % stubs.size()]->async()->PutHoldings(
              call->ctx.get(), &call->req, &call->resp,
              [&calls, lib, done](grpc::Status st) {
                calls[lib].reset();  // before done(): it may end the loop
                done(st);
              });
        },
        calls_done);
    if (!s.ok()) {
      return absl::UnknownError(absl::StrCat("PutHoldings: ", s.message()));
    }
    report.holdings_s = Since(t);
    progress.stage = "loaded";
    return report;
  }
  {
    std::atomic<int> next{0};
    std::mutex mu;
    absl::Status first = absl::OkStatus();
    std::vector<std::thread> threads;
    for (int w = 0; w < options.import_streams; ++w) {
      threads.emplace_back([&, w] {
        auto stub = v1::CatalogService::NewStub(conn.channel(w));
        for (int u = next++; u < uploads; u = next++) {
          const int lo = u * per;
          const int hi = std::min(shape.libraries, lo + per);
          auto ctx = conn.NewContext(600);
          v1::ImportSummary summary;
          auto writer = stub->ImportHoldings(ctx.get(), &summary);
          v1::ImportChunk chunk;
          v1::ImportHeader* h = chunk.mutable_header();
          h->set_library_id(LibraryId(lo));
          h->set_format(v1::CATALOG_FORMAT_CSV);
          h->set_encoding(v1::CATALOG_ENCODING_UTF8);
          for (int lib = lo; lib < hi; ++lib) {
            (*h->mutable_branches())[LibraryId(lib)] = LibraryId(lib);
          }
          bool ok = writer->Write(chunk);
          std::string data = "isbn,item_id,availability,branch\n";
          int64_t rows = 0;
          int64_t sent_bytes = 0;
          auto send = [&] {
            sent_bytes += static_cast<int64_t>(data.size());
            chunk.Clear();
            chunk.set_data(std::move(data));
            data.clear();
            ok = ok && writer->Write(chunk);
          };
          for (const Row& r : buckets[u]) {
            absl::StrAppend(&data, TitleIsbn(r.title), ",it-", r.title, ",",
                            r.on_loan ? "on_loan" : "on_shelf", ",",
                            LibraryId(r.library), "\n");
            ++rows;
            if (data.size() >= (64 << 10)) {
              send();
              progress.done += rows;
              rows = 0;
            }
          }
          if (!data.empty()) send();
          chunk.Clear();
          chunk.mutable_end()->set_data_bytes(sent_bytes);
          ok = ok && writer->Write(chunk);
          progress.done += rows;
          writer->WritesDone();
          grpc::Status s = writer->Finish();
          std::lock_guard<std::mutex> lock(mu);
          if (!s.ok() || summary.records_rejected() > 0) {
            if (first.ok()) {
              first = absl::UnknownError(absl::StrCat(
                  "ImportHoldings of libraries ", LibraryId(lo), "..",
                  LibraryId(hi - 1), ": ", s.ok() ? "" : Describe(s),
                  summary.records_rejected() > 0
                      ? absl::StrCat(summary.records_rejected(),
                                     " records rejected, first: ",
                                     summary.rejects_size() > 0
                                         ? summary.rejects(0).reason()
                                         : "")
                      : ""));
            }
            return;
          }
          ++report.imports;
        }
      });
    }
    for (auto& th : threads) th.join();
    if (!first.ok()) return first;
  }
  report.holdings_s = Since(t);
  progress.stage = "loaded";
  return report;
}

}  // namespace silang::bench
