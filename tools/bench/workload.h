// Workload: the titles, holdings and requests silang-bench generates, as pure
// functions of the scale and a seed, so the loader, the offline request
// fill and the drivers agree on them without sharing state.
//
//   - Title t (0-based; popularity rank t + 1) has ISBN-13 978 + t as nine
//     digits + check digit, so a submit names it as a librarian would.
//   - Holders: title of rank r is held by max(1, round(max_holders * r^-s))
//     libraries (s = holder_skew, 0.6 by default: rank 1 has 1,000 holders,
//     rank 10 about 250, rank 100 about 63, rank 1,000 about 16, rank 10,000
//     about 4, ranks past about 100,000 one). Holder j is library
//     Mix(seed, t, j) % libraries (the next free index on a collision), so
//     holders spread over every place and province. One copy each; about one
//     in five on loan, the rest on the shelf.
//   - Requests name title rank r with probability proportional to r^-q
//     (q = request_skew, Zipf; 1.0 by default: popular titles are asked for
//     most), from a borrower drawn uniformly from the active libraries.
//
// Thread-safe after construction (ZipfSampler is read-only).
#ifndef SILANG_TOOLS_BENCH_WORKLOAD_H_
#define SILANG_TOOLS_BENCH_WORKLOAD_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "tools/bench/network_plan.h"

namespace silang::bench {

struct WorkloadShape {
  int libraries = 180000;
  int titles = 1000000;
  int max_holders = 1000;
  double holder_skew = 0.6;
  double request_skew = 1.0;
  uint64_t seed = 1;
};

// The ISBN-13 of title t: 978, t as nine digits, check digit.
inline std::string TitleIsbn(int64_t t) {
  std::string s = absl::StrFormat("978%09d", t);
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (s[i] - '0') * (i % 2 == 0 ? 1 : 3);
  s.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return s;
}

inline int HolderCount(const WorkloadShape& w, int64_t t) {
  double h = w.max_holders * std::pow(static_cast<double>(t + 1),
                                      -w.holder_skew);
  return static_cast<int>(std::clamp<double>(std::llround(h), 1,
                                             std::max(1, w.libraries)));
}

struct Copy {
  int library = 0;
  bool on_loan = false;
};

// The holders of title t, one copy each, no library twice.
inline std::vector<Copy> HoldersOfTitle(const WorkloadShape& w, int64_t t) {
  const int n = HolderCount(w, t);
  std::vector<Copy> out;
  out.reserve(n);
  std::vector<int> taken;
  taken.reserve(n);
  for (int j = 0; j < n; ++j) {
    uint64_t h = Mix(w.seed * 0x9e3779b97f4a7c15ULL ^
                     (static_cast<uint64_t>(t) << 20 | static_cast<uint64_t>(j)));
    int lib = static_cast<int>(h % static_cast<uint64_t>(w.libraries));
    // Linear probing over a sorted list: n is at most max_holders.
    while (std::binary_search(taken.begin(), taken.end(), lib)) {
      lib = (lib + 1) % w.libraries;
    }
    taken.insert(std::upper_bound(taken.begin(), taken.end(), lib), lib);
    out.push_back({lib, (h >> 40) % 5 == 0});
  }
  return out;
}

// Draws ranks 1..n with P(r) proportional to r^-s, by inverse CDF.
class ZipfSampler {
 public:
  ZipfSampler(int n, double s) : cdf_(std::max(1, n)) {
    double total = 0;
    for (int r = 1; r <= static_cast<int>(cdf_.size()); ++r) {
      total += std::pow(static_cast<double>(r), -s);
      cdf_[r - 1] = total;
    }
    for (double& c : cdf_) c /= total;
  }
  // A 0-based index (rank - 1).
  template <typename Rng>
  int64_t Draw(Rng& rng) const {
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    if (it == cdf_.end()) --it;
    return it - cdf_.begin();
  }

 private:
  std::vector<double> cdf_;
};

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_WORKLOAD_H_
