#include "engine/catalog/catalog.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/bulk.h"
#include "engine/catalog/text.h"
#include "engine/keys.h"
#include "engine/status_macros.h"
#include "engine/title_key.h"

namespace silang::catalog {
namespace {

std::string StrKey(absl::string_view s) {
  return keys::Builder().Str(s).Take();
}

// Postings a words search reads per call before returning a short page.
constexpr int kMaxScanPerPage = 20000;

void StageIndex(const TitleRecord& t, bool words, SstBatch& batch) {
  for (const auto& isbn : t.isbns()) {
    batch.Put(Cf::kTitleIds,
              keys::Builder().Str(IsbnKey(isbn)).Str(t.title_key()).Take(), "");
  }
  for (const auto& issn : t.issns()) {
    batch.Put(Cf::kTitleIds,
              keys::Builder().Str(IssnKey(issn)).Str(t.title_key()).Take(), "");
  }
  if (!words) return;
  for (const auto& w : Words(t.title())) {
    batch.Put(Cf::kTitleWords, keys::Builder().Str(w).Str(t.title_key()).Take(),
              "");
  }
}

// Adds what `in` knows and `into` does not; true if anything changed.
bool Merge(const TitleRecord& in, TitleRecord& into) {
  bool changed = false;
  if (into.title().empty() && !in.title().empty()) {
    into.set_title(in.title());
    changed = true;
  }
  if (into.author().empty() && !in.author().empty()) {
    into.set_author(in.author());
    changed = true;
  }
  if (into.year().empty() && !in.year().empty()) {
    into.set_year(in.year());
    changed = true;
  }
  for (const auto& isbn : in.isbns()) {
    if (std::find(into.isbns().begin(), into.isbns().end(), isbn) ==
        into.isbns().end()) {
      into.add_isbns(isbn);
      changed = true;
    }
  }
  for (const auto& issn : in.issns()) {
    if (std::find(into.issns().begin(), into.issns().end(), issn) ==
        into.issns().end()) {
      into.add_issns(issn);
      changed = true;
    }
  }
  return changed;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Importer>> Catalog::StartImport(
    ImportOptions options) {
  const ItemMapping& m = options.mapping;
  RETURN_IF_ERROR(Directory::ValidateId("library_id", m.library_id));
  for (const auto& [branch, library] : m.branches) {
    if (branch.empty() || !keys::ValidPart(branch) || branch.size() > 200) {
      return absl::InvalidArgumentError(
          "branch mapping: a branch code is empty or too long");
    }
    RETURN_IF_ERROR(Directory::ValidateId(
        absl::StrCat("branch mapping for \"", branch, "\""), library));
  }
  if (options.max_listed_rejects < 0 || options.max_listed_rejects > 10000) {
    return absl::InvalidArgumentError("max_rejects: must be in [0, 10000]");
  }
  if (options.ingest_bytes < 1) {
    return absl::InvalidArgumentError("ingest_bytes: must be at least 1");
  }
  std::vector<std::string> libraries = m.Libraries();
  ASSIGN_OR_RETURN(uint64_t gen,
                   directory_.BeginHoldingsReplacement(libraries));
  {
    absl::MutexLock lock(&importing_mu_);
    importing_.insert(gen);
  }
  // From here on, dropping the importer abandons the generation.
  std::unique_ptr<Importer> importer(
      new Importer(*this, std::move(options), libraries, gen));
  {
    absl::MutexLock lock(&importing_mu_);
    RETURN_IF_ERROR(SweepBulkDir());
  }
  // Garbage from an earlier crash goes before the new generation grows.
  for (const auto& id : libraries) {
    RETURN_IF_ERROR(directory_.DeleteStaleHoldings(id).status());
  }
  return importer;
}

absl::Status Catalog::SweepBulkDir() {
  namespace fs = std::filesystem;
  const std::string dir = BulkDir(store_);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("create ", dir, ": ", ec.message()));
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    // Files are named <generation>-<...>.sst (Importer).
    const std::string name = it->path().filename().string();
    uint64_t gen = 0;
    if (absl::SimpleAtoi(name.substr(0, name.find('-')), &gen) &&
        importing_.count(gen) > 0) {
      continue;
    }
    fs::remove(it->path(), ec);
    if (ec) break;
  }
  if (ec) {
    return absl::InternalError(absl::StrCat("sweep ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void Catalog::ImportEnded(uint64_t generation) {
  absl::MutexLock lock(&importing_mu_);
  importing_.erase(generation);
}

absl::StatusOr<int64_t> Catalog::StageTitles(std::vector<TitleRecord*>& titles,
                                             SstBatch& batch) {
  const size_t n = titles.size();
  if (n == 0) return 0;
  std::vector<std::string> keys(n);
  std::vector<rocksdb::Slice> slices(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = StrKey(titles[i]->title_key());
    slices[i] = rocksdb::Slice(keys[i]);
  }
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  store_.db()->MultiGet(rocksdb::ReadOptions(), store_.handle(Cf::kTitles), n,
                        slices.data(), values.data(), statuses.data());
  const int64_t now = directory_.clock().NowMicros();
  int64_t created = 0;
  for (size_t i = 0; i < n; ++i) {
    TitleRecord& in = *titles[i];
    if (statuses[i].IsNotFound()) {
      in.set_updated_at_us(now);
      batch.Put(Cf::kTitles, keys[i], in.SerializeAsString());
      StageIndex(in, /*words=*/true, batch);
      ++created;
      continue;
    }
    RETURN_IF_ERROR(FromRocks(statuses[i], "read title"));
    TitleRecord stored;
    if (!stored.ParseFromArray(values[i].data(),
                               static_cast<int>(values[i].size()))) {
      return Store::CorruptValue(Cf::kTitles, keys[i]);
    }
    const bool had_title = !stored.title().empty();
    if (Merge(in, stored)) {
      stored.set_updated_at_us(now);
      batch.Put(Cf::kTitles, keys[i], stored.SerializeAsString());
      StageIndex(stored, /*words=*/!had_title, batch);
    }
  }
  return created;
}

absl::StatusOr<std::optional<TitleRecord>> Catalog::GetTitle(
    absl::string_view title_key) const {
  RETURN_IF_ERROR(ValidateTitleKey(title_key));
  return store_.GetProto<TitleRecord>(Cf::kTitles, StrKey(title_key));
}

absl::StatusOr<TitleMatch> Catalog::Describe(
    absl::string_view title_key) const {
  TitleMatch m;
  ASSIGN_OR_RETURN(auto title, GetTitle(title_key));
  if (title) {
    m.title = *std::move(title);
  } else {
    m.title.set_title_key(std::string(title_key));
  }
  ASSIGN_OR_RETURN(auto holdings, directory_.HoldersOf(title_key));
  for (const auto& h : holdings) {
    if (m.library_ids.empty() || m.library_ids.back() != h.library_id()) {
      m.library_ids.push_back(h.library_id());
    }
  }
  m.holdings = static_cast<int64_t>(holdings.size());
  return m;
}

absl::StatusOr<Page<TitleMatch>> Catalog::SearchTitles(
    const TitleQuery& query, int page_size,
    absl::string_view page_token) const {
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<TitleMatch> page;
  std::vector<std::string> matched;  // title keys, in scan order
  std::string last_key;              // the last posting read
  std::string prefix;
  std::vector<std::string> others;  // words: the rest, checked by Get
  Cf cf = Cf::kTitleIds;
  switch (query.kind) {
    case TitleQuery::Kind::kIsbn: {
      auto isbn = NormalizeIsbn(query.text);
      if (!isbn.ok()) return isbn.status();
      prefix = StrKey(IsbnKey(*isbn));
      break;
    }
    case TitleQuery::Kind::kIssn: {
      auto issn = NormalizeIssn(query.text);
      if (!issn.ok()) return issn.status();
      prefix = StrKey(IssnKey(*issn));
      break;
    }
    case TitleQuery::Kind::kWords: {
      std::vector<std::string> words = Words(query.text);
      if (words.empty()) {
        return absl::InvalidArgumentError("words: nothing to search for");
      }
      // The longest word is likely the rarest: scan it, check the rest.
      auto driver = std::max_element(
          words.begin(), words.end(),
          [](const auto& a, const auto& b) { return a.size() < b.size(); });
      prefix = StrKey(*driver);
      for (const auto& w : words) {
        if (&w != &*driver) others.push_back(w);
      }
      cf = Cf::kTitleWords;
      break;
    }
  }
  if (!start.empty() && !absl::StartsWith(start, prefix)) {
    return absl::InvalidArgumentError("page_token: not from this search");
  }
  int scanned = 0;
  bool more = false;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      cf, prefix, start, [&](absl::string_view k, absl::string_view) {
        if (!start.empty() && k == start) return true;
        if (static_cast<int>(matched.size()) == size ||
            scanned == kMaxScanPerPage) {
          more = true;
          return false;
        }
        ++scanned;
        last_key = std::string(k);
        keys::Reader r(k);
        r.Str();
        auto title = r.Str();
        if (!title) {
          inner = Store::CorruptValue(cf, k);
          return false;
        }
        for (const auto& w : others) {
          auto hit = store_.Get(Cf::kTitleWords,
                                keys::Builder().Str(w).Str(*title).Take());
          if (!hit.ok()) {
            inner = hit.status();
            return false;
          }
          if (!hit->has_value()) return true;
        }
        matched.emplace_back(*title);
        return true;
      }));
  RETURN_IF_ERROR(inner);
  // A title held (through PutHoldings) but never catalogued is still found
  // by its own identifier.
  if (query.kind != TitleQuery::Kind::kWords && page_token.empty() &&
      matched.empty()) {
    keys::Reader r(prefix);
    std::string own(*r.Str());
    ASSIGN_OR_RETURN(auto holders, directory_.HoldersOf(own));
    if (!holders.empty()) matched.push_back(own);
  }
  for (const auto& key : matched) {
    ASSIGN_OR_RETURN(TitleMatch m, Describe(key));
    page.items.push_back(std::move(m));
  }
  if (more) page.next_token = EncodePageToken(last_key);
  return page;
}

}  // namespace silang::catalog
