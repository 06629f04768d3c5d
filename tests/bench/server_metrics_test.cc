// silang-bench's reading of silangd's histograms (tools/bench/
// server_metrics.h), against a real Metrics served over HTTP.
#include "tools/bench/server_metrics.h"

#include <cmath>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/metrics.h"

namespace silang::bench {
namespace {

TEST(ServerMetricsTest, PercentilesOfAPhaseComeFromTheScrapedDifference) {
  auto metrics = Metrics::Create();
  auto port = metrics->Listen("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  auto write = metrics->WriteObserver();
  // Before the phase: 50 slow writes, which the difference must drop.
  for (int i = 0; i < 50; ++i) write(absl::Milliseconds(40));
  auto before = ScrapeMetrics(*port);
  ASSERT_TRUE(before.ok()) << before.status();
  // The phase: 90 writes of 0.3 ms (bucket 0.25-0.5 ms), 10 of 7 ms
  // (bucket 5-7.5 ms).
  for (int i = 0; i < 90; ++i) write(absl::Microseconds(300));
  for (int i = 0; i < 10; ++i) write(absl::Milliseconds(7));
  auto after = ScrapeMetrics(*port);
  ASSERT_TRUE(after.ok()) << after.status();
  metrics->StopServing();

  const Histogram total = ParseHistogram(*after, "silang_store_write_seconds");
  EXPECT_EQ(total.count, 150);
  ASSERT_FALSE(total.buckets.empty());
  EXPECT_TRUE(std::isinf(total.buckets.back().first));
  EXPECT_EQ(total.buckets.back().second, 150);

  const Histogram phase =
      total.Minus(ParseHistogram(*before, "silang_store_write_seconds"));
  EXPECT_EQ(phase.count, 100);
  EXPECT_NEAR(phase.sum, 90 * 0.0003 + 10 * 0.007, 1e-6);
  // p50: rank 50 of the 90 in (0.25, 0.5] ms, interpolated.
  EXPECT_NEAR(phase.Quantile(0.5), 0.00025 + 0.00025 * 50.0 / 90.0, 1e-9);
  // p99: rank 99, the 9th of 10 in (5, 7.5] ms.
  EXPECT_NEAR(phase.Quantile(0.99), 0.005 + 0.0025 * 9.0 / 10.0, 1e-9);
  // No other family leaks in; a missing family is empty.
  EXPECT_EQ(ParseHistogram(*after, "silang_work_queue_seconds").count, 0);
  EXPECT_EQ(ParseHistogram(*after, "no_such_metric").Quantile(0.5), 0);
}

TEST(ServerMetricsTest, SumsSeriesAndNamesAnUnreachablePort) {
  const char* text =
      "# TYPE x_seconds histogram\n"
      "x_seconds_bucket{method=\"a\",le=\"0.001\"} 3\n"
      "x_seconds_bucket{method=\"a\",le=\"+Inf\"} 4\n"
      "x_seconds_count{method=\"a\"} 4\n"
      "x_seconds_sum{method=\"a\"} 0.5\n"
      "x_seconds_bucket{method=\"b\",le=\"0.001\"} 1\n"
      "x_seconds_bucket{method=\"b\",le=\"+Inf\"} 4\n"
      "x_seconds_count{method=\"b\"} 4\n"
      "x_seconds_sum{method=\"b\"} 0.25\n"
      "x_seconds_extra_count 99\n";
  const Histogram h = ParseHistogram(text, "x_seconds");
  EXPECT_EQ(h.count, 8);
  EXPECT_DOUBLE_EQ(h.sum, 0.75);
  ASSERT_EQ(h.buckets.size(), 2u);
  EXPECT_EQ(h.buckets[0].second, 4);
  // Past the last finite bound: that bound, not infinity.
  EXPECT_DOUBLE_EQ(h.Quantile(0.9), 0.001);

  // Port 1 on loopback: nothing listens there.
  auto none = ScrapeMetrics(1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace silang::bench
