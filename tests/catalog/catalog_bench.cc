// Import throughput on a generated catalogue: holdings per second from
// StartImport to the summary (parse, extract, title merge, sorting and
// ingesting the SST files, the generation switch; RocksDB's compactions of
// the ingested files run alongside and count in process_cpu_s), for MARC21
// (Koha-style 952 items) and CSV.
//
//   build-cat/tests/catalog/catalog_bench --benchmark_filter='/1000000/' \
//       --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//   build-cat/tests/catalog/catalog_bench \
//       --benchmark_filter='marc21/10000000/' --benchmark_repetitions=3 \
//       --benchmark_report_aggregates_only=true
//
// Arguments are holdings; a MARC record carries 1 to 5 items (3 on
// average) at ten branches mapped to ten libraries, so the import replaces
// ten libraries at once. Each run imports into a fresh store in a private
// temp dir; generating the file and opening the store are not timed.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/catalog/catalog.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/store.h"
#include "tests/testing/temp_dir.h"

namespace silang::catalog {
namespace {

constexpr int kLibraries = 10;

// CPU seconds of the whole process (every thread, RocksDB's included).
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A deterministic stream of pseudo-random numbers (no unseeded randomness).
class Lcg {
 public:
  uint32_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33);
  }

 private:
  uint64_t state_ = 42;
};

std::string Isbn13(int64_t n) {
  std::string s = absl::StrFormat("978%09d", n % 1000000000);
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (s[i] - '0') * (i % 2 == 0 ? 1 : 3);
  s.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return s;
}

std::vector<std::string> Vocabulary() {
  static const char* kSyllables[] = {"ka", "ba", "ti", "ra", "nu", "sa",
                                     "pe", "lo", "ma", "ji", "we", "du"};
  std::vector<std::string> words;
  Lcg rng;
  for (int i = 0; i < 5000; ++i) {
    std::string w;
    int n = 2 + static_cast<int>(rng.Next() % 3);
    for (int k = 0; k < n; ++k) w += kSyllables[rng.Next() % 12];
    words.push_back(w);
  }
  return words;
}

// One ISO 2709 record from (tag, field body) pairs; bodies of data fields
// start with their two indicators.
std::string IsoRecord(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string directory, data;
  for (const auto& [tag, body] : fields) {
    absl::StrAppendFormat(&directory, "%s%04d%05d", tag, body.size() + 1,
                          data.size());
    data += body;
    data.push_back('\x1E');
  }
  const size_t base = 24 + directory.size() + 1;
  const size_t length = base + data.size() + 1;
  return absl::StrFormat("%05dnam a22%05d a 4500%s\x1E%s\x1D", length, base,
                         directory, data);
}

std::string Sub(char code, const std::string& value) {
  return absl::StrCat("\x1F", std::string(1, code), value);
}

// Writes about `holdings` holdings; returns how many exactly.
int64_t Generate(const std::string& path, int64_t holdings, Format format) {
  std::ofstream out(path, std::ios::binary);
  const std::vector<std::string> words = Vocabulary();
  Lcg rng;
  if (format == Format::kCsv) {
    out << "isbn,issn,title,author,year,item_id,availability,call_number,"
           "branch\n";
  }
  int64_t made = 0;
  for (int64_t rec = 0; made < holdings; ++rec) {
    std::string title;
    int nwords = 2 + static_cast<int>(rng.Next() % 5);
    for (int i = 0; i < nwords; ++i) {
      absl::StrAppend(&title, i ? " " : "", words[rng.Next() % words.size()]);
    }
    std::string author = absl::StrCat(words[rng.Next() % words.size()], ", ",
                                      words[rng.Next() % words.size()]);
    std::string year = absl::StrCat(1950 + rng.Next() % 75);
    std::string isbn = Isbn13(rec * 7919 + 13);
    int items = 1 + static_cast<int>(rng.Next() % 5);
    if (format == Format::kCsv) {
      for (int i = 0; i < items; ++i, ++made) {
        out << isbn << ",," << title << ",\"" << author << "\"," << year
            << ",BC" << rec << "-" << i << ",on_shelf,"
            << "899." << rec % 1000 << ",B" << rng.Next() % kLibraries << "\n";
      }
      continue;
    }
    std::vector<std::pair<std::string, std::string>> fields = {
        {"001", absl::StrCat(rec)},
        {"020", "  " + Sub('a', isbn)},
        {"100", "1 " + Sub('a', author)},
        {"245", "10" + Sub('a', title) + Sub('c', author)},
        {"260",
         "  " + Sub('a', "Jakarta :") + Sub('b', "Gramedia,") + Sub('c', year)},
    };
    for (int i = 0; i < items; ++i, ++made) {
      std::string branch = absl::StrCat("B", rng.Next() % kLibraries);
      fields.push_back({"952", "  " + Sub('0', "0") + Sub('1', "0") +
                                   Sub('7', "0") + Sub('a', branch) +
                                   Sub('b', branch) +
                                   Sub('o', absl::StrCat("899.", rec % 1000)) +
                                   Sub('p', absl::StrCat("BC", rec, "-", i)) +
                                   Sub('y', "BK")});
    }
    out << IsoRecord(fields);
  }
  return made;
}

void BM_Import(benchmark::State& state, Format format) {
  const int64_t wanted = state.range(0);
  silang::testing::TempDir tmp("bench");
  const std::string file = tmp.Sub("catalogue");
  const int64_t made = Generate(file, wanted, format);
  FakeClock clock(absl::FromUnixSeconds(1709694000));
  std::vector<char> buf(1 << 20);
  int64_t imported = 0;
  double cpu = 0;
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Store::Options options;
    options.dir = tmp.Sub(absl::StrCat("db", run++));
    auto store = Store::Open(options);
    if (!store.ok()) {
      state.SkipWithError(std::string(store.status().message()).c_str());
      break;
    }
    Directory directory(**store, clock);
    Catalog catalog(**store, directory);
    ImportOptions o;
    o.format = format;
    o.mapping.library_id = "L0";
    for (int i = 0; i < kLibraries; ++i) {
      storage::v1::LibraryRecord lib;
      lib.set_id(absl::StrCat("L", i));
      lib.set_name(lib.id());
      (void)directory.PutLibrary(lib, 0);
      o.mapping.branches[absl::StrCat("B", i)] = lib.id();
    }
    std::ifstream in(file, std::ios::binary);
    const double cpu_start = ProcessCpuSeconds();
    state.ResumeTiming();

    auto importer = catalog.StartImport(o);
    absl::Status status = importer.status();
    while (status.ok() && in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      status = (*importer)->Feed(absl::string_view(buf.data(), in.gcount()));
    }
    auto summary = status.ok() ? (*importer)->Finish()
                               : absl::StatusOr<ImportSummary>(status);

    state.PauseTiming();
    cpu += ProcessCpuSeconds() - cpu_start;
    if (!summary.ok()) {
      state.SkipWithError(std::string(summary.status().message()).c_str());
      break;
    }
    if (summary->holdings != made || summary->records_rejected != 0) {
      state.SkipWithError("import lost holdings");
      break;
    }
    imported += summary->holdings;
    importer->reset();
    store->reset();
    state.ResumeTiming();
  }
  state.counters["holdings"] = static_cast<double>(made);
  // Work done, independent of what else runs on the machine: process CPU
  // (all threads) per holding.
  state.counters["process_cpu_s"] = cpu;
  state.counters["holdings_per_cpu_s"] =
      cpu > 0 ? static_cast<double>(imported) / cpu : 0;
  state.counters["holdings_per_s"] = benchmark::Counter(
      static_cast<double>(imported), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_Import, marc21, Format::kMarc21)
    ->Arg(100000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Import, csv, Format::kCsv)
    ->Arg(100000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace silang::catalog

BENCHMARK_MAIN();
