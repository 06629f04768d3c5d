#include "tools/bench/server_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace silang::bench {

absl::StatusOr<std::string> ScrapeMetrics(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::UnavailableError("metrics: socket");
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request =
      "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::send(fd, request.data(), request.size(), 0) !=
          static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot reach 127.0.0.1:", port));
  }
  std::string raw;
  char buf[16384];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, n);
  ::close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (!absl::StartsWith(raw, "HTTP/1.") || head_end == std::string::npos ||
      raw.find(" 200 ") > head_end) {
    return absl::UnavailableError(
        absl::StrCat("metrics: no 200 reply from 127.0.0.1:", port));
  }
  return raw.substr(head_end + 4);
}

Histogram Histogram::Minus(const Histogram& before) const {
  std::map<double, double> was;
  for (const auto& [le, n] : before.buckets) was[le] = n;
  Histogram d;
  for (const auto& [le, n] : buckets) d.buckets.emplace_back(le, n - was[le]);
  d.count = count - before.count;
  d.sum = sum - before.sum;
  return d;
}

double Histogram::Quantile(double q) const {
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  const double rank = q * buckets.back().second;
  double lower = 0;
  double below = 0;
  for (const auto& [le, cumulative] : buckets) {
    if (cumulative >= rank) {
      if (std::isinf(le)) return lower;
      const double in_bucket = cumulative - below;
      if (in_bucket <= 0) return le;
      return lower + (le - lower) * (rank - below) / in_bucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

Histogram ParseHistogram(absl::string_view exposition, absl::string_view name) {
  const std::string bucket = absl::StrCat(name, "_bucket");
  const std::string count = absl::StrCat(name, "_count");
  const std::string sum = absl::StrCat(name, "_sum");
  // "series value": the series is the name, maybe followed by {labels}.
  auto is = [](absl::string_view series, const std::string& metric) {
    return absl::StartsWith(series, metric) &&
           (series.size() == metric.size() || series[metric.size()] == '{');
  };
  std::map<double, double> by_bound;
  Histogram h;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    const absl::string_view series = line.substr(0, space);
    double value = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &value)) continue;
    if (is(series, bucket)) {
      const size_t at = series.find("le=\"");
      if (at == absl::string_view::npos) continue;
      const absl::string_view rest = series.substr(at + 4);
      const absl::string_view le = rest.substr(0, rest.find('"'));
      double bound = std::numeric_limits<double>::infinity();
      if (le != "+Inf" && !absl::SimpleAtod(le, &bound)) continue;
      by_bound[bound] += value;
    } else if (is(series, count)) {
      h.count += value;
    } else if (is(series, sum)) {
      h.sum += value;
    }
  }
  h.buckets.assign(by_bound.begin(), by_bound.end());
  return h;
}

}  // namespace silang::bench
