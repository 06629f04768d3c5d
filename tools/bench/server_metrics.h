// Server-side histograms for silang-bench: scrapes silangd's Prometheus
// endpoint (services/metrics.h) before and after a phase and turns the
// difference into percentiles, so a phase's client-side latency can be set
// beside where the time went inside silangd: waiting for a worker (the
// work queue), routing, the synced write, and the whole call.
//
// Percentiles interpolate linearly inside a bucket, as Prometheus's
// histogram_quantile does, so they are only as fine as silangd's bucket
// bounds (..., 1, 1.5, 2, 3, 5, 7.5, 10 ms, ...): a figure says which
// bucket, and roughly where in it.
#ifndef SILANG_TOOLS_BENCH_SERVER_METRICS_H_
#define SILANG_TOOLS_BENCH_SERVER_METRICS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace silang::bench {

// GET /metrics from 127.0.0.1:port (HTTP/1.0); the body.
absl::StatusOr<std::string> ScrapeMetrics(int port);

// One histogram family, every series (label set) summed.
struct Histogram {
  // (upper bound in seconds, cumulative count), ascending, +Inf last.
  std::vector<std::pair<double, double>> buckets;
  double count = 0;
  double sum = 0;  // seconds

  // after - before, bucket by bucket (missing buckets count as 0).
  Histogram Minus(const Histogram& before) const;
  // The q-quantile in seconds (0 if empty); inside the +Inf bucket, the
  // largest finite bound.
  double Quantile(double q) const;
};

// The family `name` (e.g. "silang_rpc_duration_seconds") from an
// exposition, summed over its series; empty if absent.
Histogram ParseHistogram(absl::string_view exposition, absl::string_view name);

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_SERVER_METRICS_H_
