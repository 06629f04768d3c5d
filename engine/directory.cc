#include "engine/directory.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "engine/keys.h"
#include "engine/limits.h"
#include "engine/status_macros.h"
#include "engine/title_key.h"

namespace silang {
namespace {

absl::Status CheckLen(absl::string_view field, absl::string_view value,
                      size_t max) {
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", max, " bytes"));
  }
  if (!keys::ValidPart(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": holds a NUL"));
  }
  return absl::OkStatus();
}

absl::Status StaleVersion(absl::string_view what, uint64_t expected,
                          uint64_t current) {
  if (expected == current) return absl::OkStatus();
  if (current == 0) {
    return absl::NotFoundError(absl::StrCat(
        what, " not found; create it with expected_version 0"));
  }
  if (expected == 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        what, " exists at version ", current,
        "; pass that expected_version to replace it"));
  }
  return absl::AbortedError(absl::StrCat(what, ": version ", expected,
                                         " is stale; current version is ",
                                         current));
}

std::string StrKey(absl::string_view a) { return keys::Builder().Str(a).Take(); }

// The partnership of a member_of key (library:str partnership:str);
// nullopt if it is not one.
std::optional<absl::string_view> PartnershipOfMemberKey(absl::string_view k) {
  keys::Reader r(k);
  r.Str();
  return r.Str();
}

// The partnerships of the library whose libraries key is library_key, from
// a member_of iterator positioned at its first membership (member_of keys
// are library:str partnership:str, so a library's own start with its
// key); leaves the iterator after its last one.
absl::StatusOr<std::vector<std::string>> TakeMemberships(
    rocksdb::Iterator& members, const rocksdb::Slice& library_key) {
  std::vector<std::string> partnerships;
  for (; members.Valid() && members.key().starts_with(library_key);
       members.Next()) {
    auto pid = PartnershipOfMemberKey(
        absl::string_view(members.key().data(), members.key().size()));
    if (!pid) {
      return Store::CorruptValue(Cf::kMemberOf, members.key().ToString());
    }
    partnerships.emplace_back(*pid);
  }
  RETURN_IF_ERROR(FromRocks(members.status(), "read memberships"));
  return partnerships;
}

}  // namespace

absl::Status Directory::ValidateId(absl::string_view field,
                                   absl::string_view id) {
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (id.size() > limits::kIdLen) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", limits::kIdLen, " bytes"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": \"", id, "\" may hold only letters, digits, '.', '-', '_'"));
    }
  }
  return absl::OkStatus();
}

absl::Status Directory::ValidateLibrary(const LibraryRecord& lib) const {
  RETURN_IF_ERROR(ValidateId("library.id", lib.id()));
  if (lib.name().empty()) {
    return absl::InvalidArgumentError("library.name: required");
  }
  RETURN_IF_ERROR(CheckLen("library.name", lib.name(), limits::kNameLen));
  RETURN_IF_ERROR(
      CheckLen("library.province", lib.province(), limits::kShortFieldLen));
  RETURN_IF_ERROR(
      CheckLen("library.regency", lib.regency(), limits::kShortFieldLen));
  RETURN_IF_ERROR(
      CheckLen("library.island", lib.island(), limits::kShortFieldLen));
  if (!std::isfinite(lib.lat()) || lib.lat() < -90 || lib.lat() > 90) {
    return absl::InvalidArgumentError("library.lat: must be in [-90, 90]");
  }
  if (!std::isfinite(lib.lon()) || lib.lon() < -180 || lib.lon() > 180) {
    return absl::InvalidArgumentError("library.lon: must be in [-180, 180]");
  }
  if (auto tz = calendar::ResolveTimeZone(lib.time_zone()); !tz.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("library.", tz.status().message()));
  }
  if (static_cast<size_t>(lib.closures_size()) > limits::kMaxClosures) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "library.closures: at most ", limits::kMaxClosures));
  }
  for (int i = 0; i < lib.closures_size(); ++i) {
    const auto& c = lib.closures(i);
    auto from = calendar::ParseDay(c.from_date());
    auto to = calendar::ParseDay(c.to_date());
    if (!from.ok() || !to.ok() || *to < *from) {
      return absl::InvalidArgumentError(absl::StrCat(
          "library.closures[", i,
          "]: from_date and to_date must be dates (YYYY-MM-DD), in order"));
    }
    RETURN_IF_ERROR(CheckLen(absl::StrCat("library.closures[", i, "].reason"),
                             c.reason(), limits::kNameLen));
  }
  const auto& p = lib.policy();
  if (p.loan_period_days() < 0 || p.loan_period_days() > 366) {
    return absl::InvalidArgumentError(
        "library.policy.loan_period_days: must be in [0, 366]");
  }
  if (p.max_concurrent_loans() < 0) {
    return absl::InvalidArgumentError(
        "library.policy.max_concurrent_loans: must not be negative");
  }
  if (p.days_to_respond() < 0 || p.days_to_respond() > 30) {
    return absl::InvalidArgumentError(
        "library.policy.days_to_respond: must be in [0, 30]");
  }
  return absl::OkStatus();
}

absl::StatusOr<LibraryRecord> Directory::PutLibrary(LibraryRecord library,
                                                    uint64_t expected_version) {
  RETURN_IF_ERROR(ValidateLibrary(library));
  absl::MutexLock lock(&write_mu_);
  std::string key = StrKey(library.id());
  ASSIGN_OR_RETURN(auto existing,
                   store_.GetProto<LibraryRecord>(Cf::kLibraries, key));
  uint64_t current = existing ? existing->version() : 0;
  RETURN_IF_ERROR(StaleVersion(absl::StrCat("library ", library.id()),
                               expected_version, current));
  library.set_version(current + 1);
  Batch batch(store_);
  batch.Put(Cf::kLibraries, key, library);
  RETURN_IF_ERROR(store_.Write(batch));
  // Write-through: the next routing finds the new view in memory. The
  // memberships are read under write_mu_, so no partnership write moves
  // them meanwhile. If they cannot be read the old view is only dropped.
  std::vector<std::string> partnerships;
  absl::Status members = ScanMemberships(
      library.id(), "", [&](absl::string_view, absl::string_view pid) {
        partnerships.emplace_back(pid);
        return true;
      });
  std::shared_ptr<const LibraryView> view;
  if (members.ok()) view = LibraryView::Make(library, std::move(partnerships));
  library_views_.Replace(
      {library.id()},
      [&](const std::string&, const LibraryView*) { return view; },
      [](const LibraryView& old) { old.MarkSuperseded(); });
  // An entry being built now may hold a view read before this write.
  title_holders_.Touch();
  return library;
}

absl::StatusOr<LibraryRecord> Directory::GetLibrary(absl::string_view id) const {
  RETURN_IF_ERROR(ValidateId("library_id", id));
  ASSIGN_OR_RETURN(auto lib,
                   store_.GetProto<LibraryRecord>(Cf::kLibraries, StrKey(id)));
  if (!lib) {
    return absl::NotFoundError(absl::StrCat("library ", id, " not found"));
  }
  return *std::move(lib);
}

absl::StatusOr<Page<LibraryRecord>> Directory::ListLibraries(
    absl::string_view province, int page_size,
    absl::string_view page_token) const {
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size, 100, 1000));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<LibraryRecord> page;
  absl::Status parse = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kLibraries, "", start, [&](absl::string_view k, absl::string_view v) {
        if (!page_token.empty() && k == start) return true;
        LibraryRecord lib;
        if (!lib.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse = Store::CorruptValue(Cf::kLibraries, k);
          return false;
        }
        if (!province.empty() && lib.province() != province) return true;
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(
              StrKey(page.items.back().id()));
          return false;
        }
        page.items.push_back(std::move(lib));
        return true;
      }));
  RETURN_IF_ERROR(parse);
  return page;
}

absl::Status Directory::ValidatePartnership(const PartnershipRecord& p) const {
  RETURN_IF_ERROR(ValidateId("partnership.id", p.id()));
  RETURN_IF_ERROR(CheckLen("partnership.name", p.name(), limits::kNameLen));
  if (p.member_ids_size() < 2) {
    return absl::InvalidArgumentError(
        "partnership.member_ids: at least two members");
  }
  if (static_cast<size_t>(p.member_ids_size()) >
      limits::kMaxPartnershipMembers) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "partnership.member_ids: at most ", limits::kMaxPartnershipMembers));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < p.member_ids_size(); ++i) {
    std::string field = absl::StrCat("partnership.member_ids[", i, "]");
    RETURN_IF_ERROR(ValidateId(field, p.member_ids(i)));
    if (!seen.insert(p.member_ids(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", p.member_ids(i), " listed twice"));
    }
    ASSIGN_OR_RETURN(auto lib, store_.GetProto<LibraryRecord>(
                                   Cf::kLibraries, StrKey(p.member_ids(i))));
    if (!lib) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": library ", p.member_ids(i), " is not in the directory"));
    }
  }
  auto from = calendar::ParseDay(p.valid_from());
  auto until = calendar::ParseDay(p.valid_until());
  if (!from.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("partnership.valid_from: ", from.status().message()));
  }
  if (!until.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("partnership.valid_until: ", until.status().message()));
  }
  if (*until < *from) {
    return absl::InvalidArgumentError(
        "partnership.valid_until: before valid_from");
  }
  if (p.tier() < 0 || p.tier() > 9) {
    return absl::InvalidArgumentError("partnership.tier: must be in [0, 9]");
  }
  if (p.loan_period_days() < 0 || p.loan_period_days() > 366) {
    return absl::InvalidArgumentError(
        "partnership.loan_period_days: must be in [0, 366]");
  }
  return absl::OkStatus();
}

absl::StatusOr<PartnershipRecord> Directory::PutPartnership(
    PartnershipRecord p, uint64_t expected_version) {
  RETURN_IF_ERROR(ValidatePartnership(p));
  absl::MutexLock lock(&write_mu_);
  std::string key = StrKey(p.id());
  ASSIGN_OR_RETURN(auto existing,
                   store_.GetProto<PartnershipRecord>(Cf::kPartnerships, key));
  uint64_t current = existing ? existing->version() : 0;
  RETURN_IF_ERROR(StaleVersion(absl::StrCat("partnership ", p.id()),
                               expected_version, current));
  p.set_version(current + 1);
  Batch batch(store_);
  if (existing) {
    for (const auto& m : existing->member_ids()) {
      batch.Delete(Cf::kMemberOf, keys::Builder().Str(m).Str(p.id()).Take());
    }
  }
  for (const auto& m : p.member_ids()) {
    batch.Put(Cf::kMemberOf, keys::Builder().Str(m).Str(p.id()).Take(), "");
  }
  batch.Put(Cf::kPartnerships, key, p);
  RETURN_IF_ERROR(store_.Write(batch));
  // Write-through. A library view holds only the ids of its partnerships
  // (routing reads a partnership's terms from its own view, dropped
  // below), so only the libraries that joined or left change: each cached
  // one gets its cached view with the new id list, which is what a read
  // of the store would build now; one not cached is not read.
  absl::flat_hash_set<absl::string_view> now(p.member_ids().begin(),
                                             p.member_ids().end());
  absl::flat_hash_set<absl::string_view> before;
  if (existing) {
    before.insert(existing->member_ids().begin(),
                  existing->member_ids().end());
  }
  std::vector<std::string> moved;
  for (absl::string_view m : now) {
    if (!before.contains(m)) moved.emplace_back(m);
  }
  for (absl::string_view m : before) {
    if (!now.contains(m)) moved.emplace_back(m);
  }
  library_views_.Replace(
      moved,
      [&](const std::string& id,
          const LibraryView* old) -> std::shared_ptr<const LibraryView> {
        if (old == nullptr || !old->partnerships_known) return nullptr;
        std::vector<std::string> ids;
        ids.reserve(old->partnership_ids.size() + 1);
        for (const std::string& pid : old->partnership_ids) {
          if (pid != p.id()) ids.push_back(pid);
        }
        if (now.contains(id)) ids.push_back(p.id());
        return old->WithPartnerships(std::move(ids));
      },
      [](const LibraryView& old) { old.MarkSuperseded(); });
  partnership_views_.Drop({p.id()});
  // An entry being built now may hold a view read before this write.
  title_holders_.Touch();
  return p;
}

absl::StatusOr<PartnershipRecord> Directory::GetPartnership(
    absl::string_view id) const {
  RETURN_IF_ERROR(ValidateId("partnership_id", id));
  ASSIGN_OR_RETURN(auto p, store_.GetProto<PartnershipRecord>(
                               Cf::kPartnerships, StrKey(id)));
  if (!p) {
    return absl::NotFoundError(absl::StrCat("partnership ", id, " not found"));
  }
  return *std::move(p);
}

absl::StatusOr<Page<PartnershipRecord>> Directory::ListPartnerships(
    absl::string_view library_id, int page_size,
    absl::string_view page_token) const {
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size, 100, 1000));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<PartnershipRecord> page;
  absl::Status inner = absl::OkStatus();
  if (library_id.empty()) {
    RETURN_IF_ERROR(store_.Scan(
        Cf::kPartnerships, "", start,
        [&](absl::string_view k, absl::string_view v) {
          if (!page_token.empty() && k == start) return true;
          if (static_cast<int>(page.items.size()) == size) {
            page.next_token = EncodePageToken(StrKey(page.items.back().id()));
            return false;
          }
          PartnershipRecord p;
          if (!p.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
            inner = Store::CorruptValue(Cf::kPartnerships, k);
            return false;
          }
          page.items.push_back(std::move(p));
          return true;
        }));
    RETURN_IF_ERROR(inner);
    return page;
  }
  RETURN_IF_ERROR(ValidateId("library_id", library_id));
  std::string last_key;
  RETURN_IF_ERROR(ScanMemberships(
      library_id, start, [&](absl::string_view k, absl::string_view pid) {
        if (!page_token.empty() && k == start) return true;
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(last_key);
          return false;
        }
        auto p = GetPartnership(pid);
        if (!p.ok()) {
          inner = p.status();
          return false;
        }
        page.items.push_back(*std::move(p));
        last_key = std::string(k);
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return page;
}

absl::Status Directory::ScanMemberships(
    absl::string_view library_id, absl::string_view start,
    const std::function<bool(absl::string_view, absl::string_view)>& fn)
    const {
  absl::Status corrupt = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kMemberOf, StrKey(library_id), start,
      [&](absl::string_view k, absl::string_view) {
        auto pid = PartnershipOfMemberKey(k);
        if (!pid) {
          corrupt = Store::CorruptValue(Cf::kMemberOf, k);
          return false;
        }
        return fn(k, *pid);
      }));
  return corrupt;
}

absl::StatusOr<std::vector<PartnershipRecord>> Directory::PartnershipsOf(
    absl::string_view library_id) const {
  std::vector<PartnershipRecord> out;
  std::string token;
  do {
    ASSIGN_OR_RETURN(auto page, ListPartnerships(library_id, 1000, token));
    for (auto& p : page.items) out.push_back(std::move(p));
    token = page.next_token;
  } while (!token.empty());
  return out;
}

// --- Holdings ---------------------------------------------------------------
//
// Holding keys carry the library's generation (engine/keys.h). Readers pin a
// snapshot, look up each library's current generation once, and skip keys
// of any other generation, so a replacement in progress (a newer, pending
// generation) and one being cleaned up (older, stale generations) are both
// invisible.

namespace {

constexpr char kGenSeqKey[] = "holdings_gen_seq";
// Deletes of stale keys go in batches of about this many entries.
constexpr size_t kDeleteBatch = 20000;

std::string HoldingKey(absl::string_view title, absl::string_view library,
                       uint64_t gen, absl::string_view item) {
  return keys::Builder().Str(title).Str(library).U64(gen).Str(item).Take();
}

std::string LibHoldingKey(absl::string_view library, uint64_t gen,
                          absl::string_view title, absl::string_view item) {
  return keys::Builder().Str(library).U64(gen).Str(title).Str(item).Take();
}

// The title and item of a LibHoldingKey; nullopt if it is not one.
std::optional<std::pair<absl::string_view, absl::string_view>> TitleAndItemOf(
    absl::string_view lib_holding_key) {
  keys::Reader r(lib_holding_key);
  r.Str();
  r.U64();
  auto title = r.Str();
  auto item = r.Str();
  if (!title || !item) return std::nullopt;
  return std::make_pair(*title, *item);
}

// A RocksDB snapshot held for one read.
class PinnedSnapshot {
 public:
  explicit PinnedSnapshot(rocksdb::DB* db) : db_(db), snap_(db->GetSnapshot()) {
    options_.snapshot = snap_;
  }
  ~PinnedSnapshot() { db_->ReleaseSnapshot(snap_); }
  PinnedSnapshot(const PinnedSnapshot&) = delete;
  PinnedSnapshot& operator=(const PinnedSnapshot&) = delete;
  rocksdb::ReadOptions& options() { return options_; }
  uint64_t sequence() const { return snap_->GetSequenceNumber(); }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
  rocksdb::ReadOptions options_;
};

}  // namespace

absl::StatusOr<HoldingsGenerationRecord> Directory::ReadGeneration(
    const rocksdb::ReadOptions& ro, absl::string_view library_id) const {
  std::string key = StrKey(library_id);
  std::string value;
  rocksdb::Status s =
      store_.db()->Get(ro, store_.handle(Cf::kHoldingGens), key, &value);
  HoldingsGenerationRecord rec;
  if (s.IsNotFound()) return rec;
  RETURN_IF_ERROR(FromRocks(s, "read holdings generation"));
  if (!rec.ParseFromString(value)) {
    return Store::CorruptValue(Cf::kHoldingGens, key);
  }
  return rec;
}

absl::Status Directory::ValidateHolding(absl::string_view field,
                                        absl::string_view library_id,
                                        HoldingRecord& h) const {
  if (h.library_id().empty()) h.set_library_id(std::string(library_id));
  if (h.library_id() != library_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".library_id: ", h.library_id(), " is not ", library_id));
  }
  if (absl::Status s = ValidateTitleKey(h.title_key()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", s.message()));
  }
  if (h.item_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".item_id: required"));
  }
  // Field names are built only for an error: an import validates every
  // holding, and two StrCats each would be most of this function's cost.
  auto check = [&](absl::string_view name, absl::string_view value,
                   size_t max) {
    if (value.size() <= max && keys::ValidPart(value)) {
      return absl::OkStatus();
    }
    return CheckLen(absl::StrCat(field, ".", name), value, max);
  };
  RETURN_IF_ERROR(check("item_id", h.item_id(), limits::kItemIdLen));
  RETURN_IF_ERROR(check("call_number", h.call_number(), limits::kNameLen));
  if (h.updated_at_us() == 0) h.set_updated_at_us(clock_.NowMicros());
  return absl::OkStatus();
}

absl::StatusOr<PutHoldingsResult> Directory::PutHoldings(
    absl::string_view library_id, std::vector<HoldingRecord> holdings,
    bool replace_all) {
  RETURN_IF_ERROR(ValidateId("library_id", library_id));
  ASSIGN_OR_RETURN(auto lib, store_.GetProto<LibraryRecord>(
                                 Cf::kLibraries, StrKey(library_id)));
  if (!lib) {
    return absl::NotFoundError(
        absl::StrCat("library ", library_id, " not found"));
  }
  for (size_t i = 0; i < holdings.size(); ++i) {
    RETURN_IF_ERROR(ValidateHolding(absl::StrCat("holdings[", i, "]"),
                                    library_id, holdings[i]));
  }
  // Under the lock the current generation cannot switch, so these writes
  // land in the generation readers see (a replacement's cleanup finds them
  // if it switches later).
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(HoldingsGenerationRecord gen,
                   ReadGeneration(rocksdb::ReadOptions(), library_id));
  const uint64_t g = gen.current();
  std::set<std::string> new_keys;  // lib_holdings keys being written
  for (const HoldingRecord& h : holdings) {
    new_keys.insert(LibHoldingKey(library_id, g, h.title_key(), h.item_id()));
  }
  Batch batch(store_);
  PutHoldingsResult result;
  std::vector<std::string> titles;  // whose holders change
  for (const HoldingRecord& h : holdings) titles.push_back(h.title_key());
  if (replace_all) {
    absl::Status inner = absl::OkStatus();
    RETURN_IF_ERROR(store_.Scan(
        Cf::kLibHoldings, keys::Builder().Str(library_id).U64(g).Take(), "",
        [&](absl::string_view k, absl::string_view) {
          if (new_keys.count(std::string(k))) return true;
          auto parts = TitleAndItemOf(k);
          if (!parts) {
            inner = Store::CorruptValue(Cf::kLibHoldings, k);
            return false;
          }
          const auto [title, item] = *parts;
          batch.Delete(Cf::kLibHoldings, k);
          batch.Delete(Cf::kHoldings, HoldingKey(title, library_id, g, item));
          titles.emplace_back(title);
          ++result.removed;
          return true;
        }));
    RETURN_IF_ERROR(inner);
  }
  for (const HoldingRecord& h : holdings) {
    StageHolding(batch, g, h);
    ++result.written;
  }
  RETURN_IF_ERROR(store_.Write(batch));
  title_holders_.Drop(titles);
  return result;
}

std::pair<std::string, std::string> Directory::HoldingKeys(
    uint64_t gen, const HoldingRecord& h) {
  return {HoldingKey(h.title_key(), h.library_id(), gen, h.item_id()),
          LibHoldingKey(h.library_id(), gen, h.title_key(), h.item_id())};
}

void Directory::StageHolding(Batch& batch, uint64_t gen,
                             const HoldingRecord& h) const {
  auto [key, lib_key] = HoldingKeys(gen, h);
  batch.Put(Cf::kHoldings, key, h);
  batch.Put(Cf::kLibHoldings, lib_key, "");
}

absl::StatusOr<uint64_t> Directory::BeginHoldingsReplacement(
    const std::vector<std::string>& library_ids) {
  if (library_ids.empty()) {
    return absl::InvalidArgumentError("library_ids: at least one");
  }
  for (const std::string& id : library_ids) {
    RETURN_IF_ERROR(GetLibrary(id).status());
  }
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(auto seq, store_.GetProto<storage::v1::HoldingsGenSeqRecord>(
                                 Cf::kMeta, kGenSeqKey));
  storage::v1::HoldingsGenSeqRecord next;
  next.set_last((seq ? seq->last() : 0) + 1);
  const uint64_t gen = next.last();
  Batch batch(store_);
  batch.Put(Cf::kMeta, kGenSeqKey, next);
  for (const std::string& id : library_ids) {
    ASSIGN_OR_RETURN(HoldingsGenerationRecord rec,
                     ReadGeneration(rocksdb::ReadOptions(), id));
    if (rec.pending() != 0) {
      if (live_generations_.count(rec.pending()) > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "library ", id, ": another import is replacing its holdings"));
      }
      // Left by a process that stopped mid-import: its keys are garbage.
      rec.add_stale(rec.pending());
    }
    rec.set_pending(gen);
    batch.Put(Cf::kHoldingGens, StrKey(id), rec);
  }
  RETURN_IF_ERROR(store_.Write(batch));
  live_generations_.insert(gen);
  return gen;
}

absl::Status Directory::EndHoldingsReplacement(
    const std::vector<std::string>& library_ids, uint64_t gen, bool commit) {
  absl::MutexLock lock(&write_mu_);
  Batch batch(store_);
  for (const std::string& id : library_ids) {
    ASSIGN_OR_RETURN(HoldingsGenerationRecord rec,
                     ReadGeneration(rocksdb::ReadOptions(), id));
    if (rec.pending() != gen) {
      return absl::FailedPreconditionError(
          absl::StrCat("library ", id, ": holdings generation ", gen,
                       " is not pending (pending: ", rec.pending(), ")"));
    }
    rec.set_pending(0);
    if (commit) {
      rec.add_stale(rec.current());
      rec.set_current(gen);
      rec.set_switched_at_us(clock_.NowMicros());
    } else {
      rec.add_stale(gen);
    }
    batch.Put(Cf::kHoldingGens, StrKey(id), rec);
  }
  RETURN_IF_ERROR(store_.Write(batch));
  live_generations_.erase(gen);
  if (commit) {
    const uint64_t seq = store_.db()->GetLatestSequenceNumber();
    for (const std::string& id : library_ids) {
      RememberGeneration(id, gen, seq);
    }
  }
  return absl::OkStatus();
}

absl::Status Directory::CommitHoldingsReplacement(
    const std::vector<std::string>& library_ids, uint64_t gen,
    const TitleFilter& named) {
  RETURN_IF_ERROR(EndHoldingsReplacement(library_ids, gen, /*commit=*/true));
  // After the switch, so that an entry built from the old generation is
  // either dropped here or turned away by the generation this moves.
  if (named == nullptr) {
    title_holders_.Clear();
    return absl::OkStatus();
  }
  // A title's holders changed only if one of these libraries holds it now
  // (the upload named it) or held it before (it is in the entry). Compared
  // by library number: the pass holds the cache's lock over up to 2 M
  // holders, and a view's number is at its front, its id string is not.
  absl::flat_hash_set<uint32_t> replaced;
  for (const std::string& id : library_ids) replaced.insert(LibraryNumber(id));
  title_holders_.DropIf(
      [&](absl::string_view title, const TitleHolders& holders) {
        if (named(title)) return true;
        for (const TitleHolder& h : holders) {
          if (replaced.contains(h.library->number)) return true;
        }
        return false;
      });
  return absl::OkStatus();
}

absl::Status Directory::AbandonHoldingsReplacement(
    const std::vector<std::string>& library_ids, uint64_t gen) {
  return EndHoldingsReplacement(library_ids, gen, /*commit=*/false);
}

absl::StatusOr<int64_t> Directory::DeleteStaleHoldings(
    absl::string_view library_id, uint64_t only_generation) {
  RETURN_IF_ERROR(ValidateId("library_id", library_id));
  ASSIGN_OR_RETURN(HoldingsGenerationRecord rec,
                   ReadGeneration(rocksdb::ReadOptions(), library_id));
  int64_t removed = 0;
  for (uint64_t g :
       std::set<uint64_t>(rec.stale().begin(), rec.stale().end())) {
    if (g == rec.current() || (rec.pending() != 0 && g == rec.pending())) {
      continue;  // never delete what readers see or an import is writing
    }
    if (only_generation != 0 && g != only_generation) continue;
    std::string prefix = keys::Builder().Str(library_id).U64(g).Take();
    std::string upper = keys::PrefixEnd(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    auto it = store_.NewIterator(Cf::kLibHoldings, ro);
    Batch batch(store_);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      absl::string_view k(it->key().data(), it->key().size());
      auto parts = TitleAndItemOf(k);
      if (!parts) return Store::CorruptValue(Cf::kLibHoldings, k);
      batch.Delete(Cf::kHoldings,
                   HoldingKey(parts->first, library_id, g, parts->second));
      batch.Delete(Cf::kLibHoldings, k);
      ++removed;
      if (batch.Count() >= kDeleteBatch) {
        RETURN_IF_ERROR(store_.WriteUnsynced(batch));
        batch.raw().Clear();
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "scan stale holdings"));
    // Point deletes, not DeleteRange: range tombstones pile up in the
    // memtable and slow every later read of the family.
    RETURN_IF_ERROR(store_.WriteUnsynced(batch));
    absl::MutexLock lock(&write_mu_);
    ASSIGN_OR_RETURN(HoldingsGenerationRecord now,
                     ReadGeneration(rocksdb::ReadOptions(), library_id));
    HoldingsGenerationRecord updated = now;
    updated.clear_stale();
    for (uint64_t s : now.stale()) {
      if (s != g) updated.add_stale(s);
    }
    Batch done(store_);
    done.Put(Cf::kHoldingGens, StrKey(library_id), updated);
    RETURN_IF_ERROR(store_.Write(done));
  }
  return removed;
}

absl::Status Directory::ScanLiveHoldings(
    absl::string_view title_key, absl::string_view start,
    const std::function<bool(absl::string_view, absl::string_view,
                             absl::string_view)>& fn) const {
  PinnedSnapshot snap(store_.db());
  const std::string prefix = StrKey(title_key);
  const std::string upper = keys::PrefixEnd(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = snap.options();
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  auto it = store_.NewIterator(Cf::kHoldings, ro);
  std::string library;  // the library whose generation is cached
  uint64_t current = 0;
  absl::string_view first = start > prefix ? start : absl::string_view(prefix);
  it->Seek(rocksdb::Slice(first.data(), first.size()));
  while (it->Valid()) {
    absl::string_view k(it->key().data(), it->key().size());
    keys::Reader r(k);
    r.Str();
    auto lib = r.Str();
    auto gen = r.U64();
    if (!lib || !gen) return Store::CorruptValue(Cf::kHoldings, k);
    if (*lib != library) {
      library = std::string(*lib);
      std::optional<uint64_t> known;
      {
        absl::ReaderMutexLock lock(&gen_mu_);
        auto g = generations_.find(library);
        if (g != generations_.end() && snap.sequence() >= g->second.from_seq) {
          known = g->second.current;
        }
      }
      if (known) {
        current = *known;
      } else {
        ASSIGN_OR_RETURN(HoldingsGenerationRecord rec,
                         ReadGeneration(snap.options(), library));
        current = rec.current();
        RememberGeneration(library, current, snap.sequence());
      }
    }
    if (*gen != current) {
      // Jump to the live generation, or past this library.
      std::string next =
          *gen < current
              ? keys::Builder().Str(title_key).Str(library).U64(current).Take()
              : keys::PrefixEnd(
                    keys::Builder().Str(title_key).Str(library).Take());
      it->Seek(next);
      continue;
    }
    if (!(k > start)) {  // the page token's own key was already returned
      it->Next();
      continue;
    }
    if (!fn(k, library,
            absl::string_view(it->value().data(), it->value().size()))) {
      return absl::OkStatus();
    }
    it->Next();
  }
  return FromRocks(it->status(), "scan holdings");
}

absl::Status Directory::ScanLiveHoldingRecords(
    absl::string_view title_key, absl::string_view start,
    const std::function<bool(absl::string_view, HoldingRecord)>& fn) const {
  absl::Status parse = absl::OkStatus();
  RETURN_IF_ERROR(ScanLiveHoldings(
      title_key, start,
      [&](absl::string_view k, absl::string_view, absl::string_view v) {
        HoldingRecord h;
        if (!h.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          parse = Store::CorruptValue(Cf::kHoldings, k);
          return false;
        }
        return fn(k, std::move(h));
      }));
  return parse;
}

absl::StatusOr<Page<HoldingRecord>> Directory::ListHoldings(
    absl::string_view title_key, int page_size,
    absl::string_view page_token) const {
  RETURN_IF_ERROR(ValidateTitleKey(title_key));
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size, 100, 1000));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<HoldingRecord> page;
  std::string last_key;
  RETURN_IF_ERROR(ScanLiveHoldingRecords(
      title_key, start, [&](absl::string_view k, HoldingRecord h) {
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(last_key);
          return false;
        }
        page.items.push_back(std::move(h));
        last_key = std::string(k);
        return true;
      }));
  return page;
}

absl::StatusOr<std::vector<HoldingRecord>> Directory::HoldersOf(
    absl::string_view title_key) const {
  std::vector<HoldingRecord> out;
  RETURN_IF_ERROR(ScanLiveHoldingRecords(
      title_key, "", [&](absl::string_view, HoldingRecord h) {
        out.push_back(std::move(h));
        return true;
      }));
  return out;
}

absl::StatusOr<std::shared_ptr<const TitleHolders>> Directory::TitleHoldersOf(
    absl::string_view title_key) const {
  if (auto hit = title_holders_.Find(title_key)) return hit;
  const uint64_t gen = title_holders_.generation();
  std::vector<std::string> libraries;
  TitleHolders found;  // views filled in below
  HoldingRecord h;  // reused: parsing keeps its strings' buffers
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(ScanLiveHoldings(
      title_key, "",
      [&](absl::string_view k, absl::string_view lib, absl::string_view v) {
        if (libraries.empty() || lib != libraries.back()) {
          libraries.emplace_back(lib);
          found.push_back(
              TitleHolder{nullptr, storage::v1::AVAILABILITY_UNSPECIFIED, 0});
        }
        if (!h.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kHoldings, k);
          return false;
        }
        TitleHolder& holder = found.back();
        holder.best = holder.copies == 0
                          ? h.availability()
                          : BetterCopy(holder.best, h.availability());
        ++holder.copies;
        return true;
      }));
  RETURN_IF_ERROR(inner);
  std::vector<std::shared_ptr<const LibraryView>> views;
  RETURN_IF_ERROR(LibraryViewsOf(libraries, views));
  auto out = std::make_shared<TitleHolders>();
  out->reserve(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    if (views[i] == nullptr) continue;  // not in the directory
    found[i].number = views[i]->number;
    found[i].library = std::move(views[i]);
    out->push_back(std::move(found[i]));
  }
  title_holders_.Insert(title_key, out, gen);
  return out;
}

absl::Status Directory::LibraryViewsOf(
    const std::vector<std::string>& ids,
    std::vector<std::shared_ptr<const LibraryView>>& out) const {
  out.assign(ids.size(), nullptr);
  std::vector<size_t> missing;
  for (size_t i = 0; i < ids.size(); ++i) {
    out[i] = library_views_.Find(ids[i]);
    if (out[i] == nullptr) missing.push_back(i);
  }
  if (missing.empty()) return absl::OkStatus();
  const uint64_t ticket = library_views_.Ticket();
  PinnedSnapshot snap(store_.db());
  std::vector<std::string> keys;
  keys.reserve(missing.size());
  for (size_t i : missing) keys.push_back(StrKey(ids[i]));
  std::vector<std::optional<LibraryRecord>> records;
  RETURN_IF_ERROR(
      store_.MultiGetProto(Cf::kLibraries, keys, records, snap.options()));
  auto members = store_.NewIterator(Cf::kMemberOf, snap.options());
  for (size_t j = 0; j < missing.size(); ++j) {
    if (!records[j]) continue;
    members->Seek(keys[j]);
    ASSIGN_OR_RETURN(std::vector<std::string> partnerships,
                     TakeMemberships(*members, keys[j]));
    const size_t i = missing[j];
    out[i] = library_views_.Insert(
        ids[i],
        LibraryView::Make(*std::move(records[j]), std::move(partnerships)),
        ticket);
  }
  return absl::OkStatus();
}

void Directory::RememberGeneration(absl::string_view library_id,
                                   uint64_t current, uint64_t from_seq) const {
  absl::MutexLock lock(&gen_mu_);
  auto [it, added] =
      generations_.try_emplace(library_id, KnownGeneration{current, from_seq});
  // Keep the newest knowledge: a reader that read before a switch must not
  // overwrite what the switch remembered.
  if (!added && from_seq >= it->second.from_seq) {
    it->second = KnownGeneration{current, from_seq};
  }
}

namespace {
// Start-up warming reads libraries in chunks of this many: big enough that
// the two Seeks and the snapshot of a chunk cost nothing next to it, small
// enough that a chunk rarely races a directory write.
constexpr size_t kWarmChunk = 1000;
// Reads of a chunk that raced a write, before it is left to first use.
constexpr int kWarmTries = 3;
}  // namespace

absl::StatusOr<int64_t> Directory::WarmLibraryViews(
    const std::atomic<bool>& stop, const ViewChunkFn& on_chunk) const {
  int64_t cached = 0;
  std::string from;  // the key of the next chunk's first library
  std::vector<std::string> ids;
  std::vector<std::shared_ptr<const LibraryView>> views;
  while (!stop.load(std::memory_order_relaxed)) {
    std::string next;
    for (int tries = 0; tries < kWarmTries; ++tries) {
      // The ticket before the snapshot: a write between them turns the
      // chunk away (the write-through has what it wrote).
      const uint64_t ticket = library_views_.Ticket();
      RETURN_IF_ERROR(ReadLibraryViews(from, kWarmChunk, ids, views, &next));
      if (library_views_.InsertAll(ids, views, ticket)) {
        cached += static_cast<int64_t>(ids.size());
        if (on_chunk) RETURN_IF_ERROR(on_chunk(views));
        break;
      }
      if (stop.load(std::memory_order_relaxed)) break;
    }
    if (next.empty()) break;
    from = std::move(next);
  }
  return cached;
}

absl::Status Directory::ReadLibraryViews(
    absl::string_view from, size_t limit, std::vector<std::string>& ids,
    std::vector<std::shared_ptr<const LibraryView>>& views,
    std::string* next) const {
  ids.clear();
  views.clear();
  next->clear();
  PinnedSnapshot snap(store_.db());
  // Each block is read once, for views that are then kept in memory.
  snap.options().fill_cache = false;
  auto libraries = store_.NewIterator(Cf::kLibraries, snap.options());
  auto members = store_.NewIterator(Cf::kMemberOf, snap.options());
  libraries->Seek(rocksdb::Slice(from.data(), from.size()));
  // member_of keys are library:str partnership:str, so a library's start
  // with its libraries key and both families are in library order: one
  // pass over each, in step.
  members->Seek(libraries->Valid() ? libraries->key() : rocksdb::Slice());
  for (; libraries->Valid(); libraries->Next()) {
    const rocksdb::Slice key = libraries->key();
    if (ids.size() == limit) {
      next->assign(key.data(), key.size());
      break;
    }
    LibraryRecord record;
    if (!record.ParseFromArray(libraries->value().data(),
                               static_cast<int>(libraries->value().size()))) {
      return Store::CorruptValue(Cf::kLibraries, key.ToString());
    }
    // Memberships of a library not in the directory (none are written)
    // would sort before this one's: skip them.
    while (members->Valid() && members->key().compare(key) < 0) {
      members->Next();
    }
    ASSIGN_OR_RETURN(std::vector<std::string> partnerships,
                     TakeMemberships(*members, key));
    ids.push_back(record.id());
    views.push_back(
        LibraryView::Make(std::move(record), std::move(partnerships)));
  }
  RETURN_IF_ERROR(FromRocks(libraries->status(), "read libraries"));
  return FromRocks(members->status(), "read memberships");
}

absl::StatusOr<std::shared_ptr<const LibraryView>> Directory::LibraryViewOf(
    absl::string_view id) const {
  if (auto hit = library_views_.Find(id)) return hit;
  RETURN_IF_ERROR(ValidateId("library_id", id));
  std::vector<std::shared_ptr<const LibraryView>> views;
  RETURN_IF_ERROR(LibraryViewsOf({std::string(id)}, views));
  if (views[0] == nullptr) {
    return absl::NotFoundError(absl::StrCat("library ", id, " not found"));
  }
  return views[0];
}

absl::StatusOr<std::shared_ptr<const PartnershipView>>
Directory::PartnershipViewOf(absl::string_view id) const {
  return partnership_views_.GetOrBuild(
      id, [&]() -> absl::StatusOr<std::shared_ptr<const PartnershipView>> {
        ASSIGN_OR_RETURN(PartnershipRecord record, GetPartnership(id));
        return PartnershipView::Make(std::move(record));
      });
}

}  // namespace silang
