#include "tools/bench/fill.h"

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "engine/store.h"
#include "engine/title_key.h"

namespace silang::bench {

absl::StatusOr<FillReport> FillRequests(const std::string& data_dir,
                                        const WorkloadShape& shape,
                                        const std::vector<int>& active,
                                        int64_t count, int threads,
                                        std::atomic<int64_t>& done) {
  const auto t0 = std::chrono::steady_clock::now();
  SystemClock clock;
  Store::Options options;
  options.dir = data_dir;
  options.sync = false;  // bulk fill; the store is closed cleanly after
  auto store = Store::Open(options);
  if (!store.ok()) return store.status();
  Directory directory(**store, clock);
  auto engine =
      RequestEngine::Create(**store, directory, clock, EngineOptions());
  if (!engine.ok()) return engine.status();

  const ZipfSampler titles(shape.titles, shape.request_skew);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> routed{0};
  std::mutex mu;
  absl::Status first = absl::OkStatus();
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, threads); ++w) {
    workers.emplace_back([&, w] {
      std::mt19937_64 rng(Mix(shape.seed * 31 + static_cast<uint64_t>(w)));
      for (int64_t i = next++; i < count; i = next++) {
        SubmitCommand cmd;
        cmd.idempotency_key = absl::StrCat("fill-", i);
        auto& p = cmd.payload;
        p.set_borrower_library_id(LibraryId(active[std::uniform_int_distribution<
            size_t>(0, active.size() - 1)(rng)]));
        p.set_patron_ref(absl::StrCat("F-", i));
        p.set_title_key(IsbnKey(TitleIsbn(titles.Draw(rng))));
        p.set_service_type(storage::v1::SERVICE_TYPE_LOAN);
        p.set_service_level(storage::v1::SERVICE_LEVEL_NORMAL);
        p.set_material_type(storage::v1::MATERIAL_TYPE_BOOK);
        auto r = (*engine)->Submit(std::move(cmd));
        if (!r.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.ok()) first = r.status();
          return;
        }
        if (r->request.state() == storage::v1::STATE_SENT_TO_LENDER) ++routed;
        ++done;
      }
    });
  }
  for (auto& t : workers) t.join();
  if (!first.ok()) return first;
  FillReport report;
  report.submitted = done.load();
  report.routed = routed.load();
  engine->reset();
  store->reset();
  report.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - t0)
                       .count();
  return report;
}

absl::Status CompactStore(const std::string& data_dir) {
  Store::Options options;
  options.dir = data_dir;
  auto store = Store::Open(options);
  if (!store.ok()) return store.status();
  return (*store)->CompactAll();
}

}  // namespace silang::bench
