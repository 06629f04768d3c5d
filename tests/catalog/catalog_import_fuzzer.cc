// libFuzzer target over the whole import path: framing, YAZ decoding,
// MARC-8 conversion, extraction, CSV, and the store writes under a holdings
// generation. Input: byte 0 picks the format (and encoding), byte 1 the
// chunk size the upload is fed in, the rest is the upload. After each
// import the live holdings must read back and match what it wrote.
//
// Built only with clang and -DSILANG_FUZZ=ON; tests/catalog/run-fuzz.sh
// builds and runs it.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/catalog/catalog.h"
#include "engine/clock.h"
#include "engine/directory.h"
#include "engine/keys.h"
#include "engine/store.h"

namespace {

using namespace silang;  // NOLINT: a fuzz driver

struct World {
  std::unique_ptr<Store> store;
  FakeClock clock{absl::FromUnixSeconds(1709694000)};
  std::unique_ptr<Directory> directory;
  std::unique_ptr<catalog::Catalog> catalog;
};

World* Init() {
  const char* base = getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/silang-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) abort();
  auto* w = new World();
  Store::Options options;
  options.dir = pattern;
  options.sync = false;  // speed; durability is not under test here
  auto store = Store::Open(options);
  if (!store.ok()) abort();
  w->store = *std::move(store);
  w->directory = std::make_unique<Directory>(*w->store, w->clock);
  w->catalog = std::make_unique<catalog::Catalog>(*w->store, *w->directory);
  for (const char* id : {"FUZZ", "FUZZ-B"}) {
    storage::v1::LibraryRecord lib;
    lib.set_id(id);
    lib.set_name(id);
    if (!w->directory->PutLibrary(lib, 0).ok()) abort();
  }
  return w;
}

// The library's holdings keys. After a finished import its stale
// generations are deleted, so every key left is live: each must read back
// through HoldersOf.
int64_t CheckHoldings(World& w, const std::string& library) {
  int64_t n = 0;
  auto s = w.store->Scan(Cf::kLibHoldings, keys::Builder().Str(library).Take(),
                         "", [&](absl::string_view k, absl::string_view) {
                           keys::Reader r(k);
                           r.Str();
                           r.U64();
                           auto title = r.Str();
                           auto item = r.Str();
                           if (!title || !item) abort();
                           if (++n <= 16) {
                             auto held = w.directory->HoldersOf(*title);
                             if (!held.ok()) abort();
                             bool found = false;
                             for (const auto& h : *held) {
                               found = found || (h.library_id() == library &&
                                                 h.item_id() == *item);
                             }
                             if (!found) abort();
                           }
                           return true;
                         });
  if (!s.ok()) abort();
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = Init();
  if (size < 2) return 0;
  catalog::ImportOptions options;
  switch (data[0] % 4) {
    case 0:
      options.format = catalog::Format::kMarc21;
      break;
    case 1:
      options.format = catalog::Format::kMarc21;
      options.encoding = catalog::MarcEncoding::kMarc8;
      break;
    case 2:
      options.format = catalog::Format::kMarcXml;
      break;
    default:
      options.format = catalog::Format::kCsv;
  }
  options.mapping.library_id = "FUZZ";
  if (data[0] & 0x10) {
    options.mapping.branches = {{"CPL", "FUZZ"}, {"*", "FUZZ-B"}};
  }
  const size_t chunk = 1 + static_cast<size_t>(data[1]) * 61;
  absl::string_view upload(reinterpret_cast<const char*>(data) + 2, size - 2);

  auto importer = world->catalog->StartImport(options);
  if (!importer.ok()) abort();  // nothing else may be running
  for (size_t at = 0; at < upload.size(); at += chunk) {
    if (!(*importer)->Feed(upload.substr(at, chunk)).ok()) {
      // Only a CSV header without the needed columns may fail a Feed.
      if (options.format != catalog::Format::kCsv) abort();
      return 0;
    }
  }
  auto summary = (*importer)->Finish();
  if (!summary.ok()) {
    if (options.format != catalog::Format::kCsv) abort();
    return 0;
  }
  // Each library named was replaced: what is live now is what this upload
  // wrote (fewer if it named one item twice).
  for (const auto& [library, wrote] : summary->holdings_by_library) {
    int64_t live = CheckHoldings(*world, library);
    if (live > wrote || (wrote > 0 && live == 0)) abort();
  }
  if (summary->records_rejected > summary->records_read) abort();
  return 0;
}
