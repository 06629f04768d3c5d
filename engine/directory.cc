#include "engine/directory.h"

#include <algorithm>
#include <cmath>
#include <set>

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
  std::string prefix = StrKey(library_id);
  std::string last_key;
  RETURN_IF_ERROR(store_.Scan(
      Cf::kMemberOf, prefix, start,
      [&](absl::string_view k, absl::string_view) {
        if (!page_token.empty() && k == start) return true;
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(last_key);
          return false;
        }
        keys::Reader r(k);
        r.Str();
        auto pid = r.Str();
        if (!pid) {
          inner = Store::CorruptValue(Cf::kMemberOf, k);
          return false;
        }
        auto p = GetPartnership(*pid);
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
  const int64_t now = clock_.NowMicros();
  std::set<std::string> new_keys;  // lib_holdings keys being written
  for (size_t i = 0; i < holdings.size(); ++i) {
    HoldingRecord& h = holdings[i];
    std::string field = absl::StrCat("holdings[", i, "]");
    if (h.library_id().empty()) h.set_library_id(std::string(library_id));
    if (h.library_id() != library_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".library_id: ", h.library_id(), " is not ", library_id));
    }
    if (absl::Status s = ValidateTitleKey(h.title_key()); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".", s.message()));
    }
    if (h.item_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".item_id: required"));
    }
    RETURN_IF_ERROR(CheckLen(absl::StrCat(field, ".item_id"), h.item_id(),
                             limits::kItemIdLen));
    RETURN_IF_ERROR(CheckLen(absl::StrCat(field, ".call_number"),
                             h.call_number(), limits::kNameLen));
    if (h.updated_at_us() == 0) h.set_updated_at_us(now);
    new_keys.insert(keys::Builder()
                        .Str(library_id)
                        .Str(h.title_key())
                        .Str(h.item_id())
                        .Take());
  }
  absl::MutexLock lock(&write_mu_);
  Batch batch(store_);
  PutHoldingsResult result;
  if (replace_all) {
    absl::Status inner = absl::OkStatus();
    RETURN_IF_ERROR(store_.Scan(
        Cf::kLibHoldings, StrKey(library_id), "",
        [&](absl::string_view k, absl::string_view) {
          if (new_keys.count(std::string(k))) return true;
          keys::Reader r(k);
          r.Str();
          auto title = r.Str();
          auto item = r.Str();
          if (!title || !item) {
            inner = Store::CorruptValue(Cf::kLibHoldings, k);
            return false;
          }
          batch.Delete(Cf::kLibHoldings, k);
          batch.Delete(Cf::kHoldings, keys::Builder()
                                          .Str(*title)
                                          .Str(library_id)
                                          .Str(*item)
                                          .Take());
          ++result.removed;
          return true;
        }));
    RETURN_IF_ERROR(inner);
  }
  for (const HoldingRecord& h : holdings) {
    batch.Put(Cf::kHoldings,
              keys::Builder()
                  .Str(h.title_key())
                  .Str(library_id)
                  .Str(h.item_id())
                  .Take(),
              h);
    batch.Put(Cf::kLibHoldings,
              keys::Builder()
                  .Str(library_id)
                  .Str(h.title_key())
                  .Str(h.item_id())
                  .Take(),
              "");
    ++result.written;
  }
  RETURN_IF_ERROR(store_.Write(batch));
  return result;
}

absl::StatusOr<Page<HoldingRecord>> Directory::ListHoldings(
    absl::string_view title_key, int page_size,
    absl::string_view page_token) const {
  RETURN_IF_ERROR(ValidateTitleKey(title_key));
  ASSIGN_OR_RETURN(int size, CheckPageSize(page_size, 100, 1000));
  ASSIGN_OR_RETURN(std::string start, DecodePageToken(page_token));
  Page<HoldingRecord> page;
  absl::Status inner = absl::OkStatus();
  std::string last_key;
  RETURN_IF_ERROR(store_.Scan(
      Cf::kHoldings, StrKey(title_key), start,
      [&](absl::string_view k, absl::string_view v) {
        if (!page_token.empty() && k == start) return true;
        if (static_cast<int>(page.items.size()) == size) {
          page.next_token = EncodePageToken(last_key);
          return false;
        }
        HoldingRecord h;
        if (!h.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kHoldings, k);
          return false;
        }
        page.items.push_back(std::move(h));
        last_key = std::string(k);
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return page;
}

absl::StatusOr<std::vector<HoldingRecord>> Directory::HoldersOf(
    absl::string_view title_key) const {
  std::vector<HoldingRecord> out;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Cf::kHoldings, StrKey(title_key), "",
      [&](absl::string_view k, absl::string_view v) {
        HoldingRecord h;
        if (!h.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = Store::CorruptValue(Cf::kHoldings, k);
          return false;
        }
        out.push_back(std::move(h));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

}  // namespace silang
