#include "services/health_watch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace silang {

absl::Status CheckStore(const Store& store) {
  // Any read through RocksDB's read path will do; the meta family is tiny.
  auto last = store.LastKey(Cf::kMeta);
  if (!last.ok()) return last.status();
  uint64_t errors = 0;
  if (store.db()->GetIntProperty("rocksdb.background-errors", &errors) &&
      errors > 0) {
    return absl::UnavailableError(
        absl::StrCat("store: ", errors, " RocksDB background errors"));
  }
  return absl::OkStatus();
}

HealthWatch::HealthWatch(std::function<absl::Status()> probe,
                         std::function<void(bool ok)> report,
                         absl::Duration interval)
    : probe_(std::move(probe)),
      report_(std::move(report)),
      interval_(interval),
      thread_([this] { Run(); }) {}

HealthWatch::~HealthWatch() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

bool HealthWatch::CheckNow() {
  absl::MutexLock lock(&check_mu_);
  absl::Status s = probe_();
  const bool ok = s.ok();
  if (!ok && last_ != false) {
    spdlog::error("health: NOT_SERVING: {}", s.ToString());
  } else if (ok && last_ == false) {
    spdlog::info("health: store recovered; SERVING");
  }
  last_ = ok;
  report_(ok);
  return ok;
}

void HealthWatch::Run() {
  while (true) {
    CheckNow();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
  }
}

}  // namespace silang
