// Directory: the network's member libraries, the partnerships between them,
// and the union catalogue's holdings, in the Store.
//
// Writes validate their input (InvalidArgument naming the field), check the
// caller's expected version (Aborted if stale) and commit as one batch with
// their index entries. Reads are lock-free; writes are serialized by one
// mutex, since directory changes are rare next to requests.
#ifndef SILANG_ENGINE_DIRECTORY_H_
#define SILANG_ENGINE_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "engine/page.h"
#include "engine/store.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

using storage::v1::HoldingRecord;
using storage::v1::LibraryRecord;
using storage::v1::PartnershipRecord;

struct PutHoldingsResult {
  int written = 0;
  int removed = 0;
};

class Directory {
 public:
  // Borrows store and clock; both must outlive the Directory.
  Directory(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Creates (expected_version 0) or replaces a library; returns it with its
  // new version.
  absl::StatusOr<LibraryRecord> PutLibrary(LibraryRecord library,
                                           uint64_t expected_version);
  absl::StatusOr<LibraryRecord> GetLibrary(absl::string_view id) const;
  absl::StatusOr<Page<LibraryRecord>> ListLibraries(
      absl::string_view province, int page_size,
      absl::string_view page_token) const;

  // Every member must already be in the directory.
  absl::StatusOr<PartnershipRecord> PutPartnership(PartnershipRecord p,
                                                   uint64_t expected_version);
  absl::StatusOr<PartnershipRecord> GetPartnership(absl::string_view id) const;
  // library_id empty: every partnership.
  absl::StatusOr<Page<PartnershipRecord>> ListPartnerships(
      absl::string_view library_id, int page_size,
      absl::string_view page_token) const;
  // Every partnership the library is a member of.
  absl::StatusOr<std::vector<PartnershipRecord>> PartnershipsOf(
      absl::string_view library_id) const;

  // Upserts holdings of one library, or with replace_all makes them the
  // library's only holdings; one atomic batch either way.
  absl::StatusOr<PutHoldingsResult> PutHoldings(
      absl::string_view library_id, std::vector<HoldingRecord> holdings,
      bool replace_all);
  absl::StatusOr<Page<HoldingRecord>> ListHoldings(
      absl::string_view title_key, int page_size,
      absl::string_view page_token) const;
  // Every holding of the title, grouped by library in id order.
  absl::StatusOr<std::vector<HoldingRecord>> HoldersOf(
      absl::string_view title_key) const;

  // Checks an id of a library or partnership: 1-64 of [A-Za-z0-9._-].
  static absl::Status ValidateId(absl::string_view field, absl::string_view id);

 private:
  absl::Status ValidateLibrary(const LibraryRecord& library) const;
  absl::Status ValidatePartnership(const PartnershipRecord& p) const;

  Store& store_;
  const Clock& clock_;
  absl::Mutex write_mu_;
};

}  // namespace silang

#endif  // SILANG_ENGINE_DIRECTORY_H_
