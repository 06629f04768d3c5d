// Extraction: what the union catalogue takes from a MARC record or a CSV
// row, as storage records. Pure functions; thread-safe.
//
// Title key: the first valid ISBN of 020$a (ISBN-10 and -13 both become
// ISBN-13), else the first valid ISSN of 022$a, else a match key on the
// folded title, author and year (text.h MatchTitleKey). Every valid ISBN
// and ISSN is kept on the title record, so a search by a second ISBN finds
// it; an invalid one is counted and ignored (020$z, cancelled, is never
// read).
//
// Description: title 245 $a $b $n $p (ISBD punctuation trimmed); author
// 100$a, else 110$a, else 111$a; year the first four digits of 260$c, else
// 264$c, else 008/07-10.
//
// Holdings, one per item field of the record's item tag: 952 if it has
// any, else 949, else 852 (an 852 beside 952 items is the source
// record's location, not an item):
//   952 (Koha)       branch $a (home), else $b; item $p, else $9; call
//                    number $o; type $y; status from $0 withdrawn, $1 lost,
//                    $4 damaged, $7 not for loan, $q due date (on loan)
//   949 (Sirsi, Evergreen exports)  branch $m; item $i; call number $a;
//                    type $t; location $l
//   852 (MARC location)  only with $a, $b or $p; branch $b, else $a;
//                    item $p, else the accession number in $x ("Accession
//                    no.: 4900"); call number $h $i, else $j
// An item without an id gets "<001 or r<record number>>-<n>", stable for
// the same file. Branch codes map to Silang libraries through ItemMapping.
#ifndef SILANG_ENGINE_CATALOG_EXTRACT_H_
#define SILANG_ENGINE_CATALOG_EXTRACT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/catalog/marc.h"
#include "silang/storage/v1/records.pb.h"

namespace silang::catalog {

using storage::v1::Availability;
using storage::v1::HoldingRecord;
using storage::v1::TitleRecord;

// Item statuses the extractors report, before mapping to availability.
inline constexpr char kStatusAvailable[] = "available";
inline constexpr char kStatusOnLoan[] = "onloan";
inline constexpr char kStatusNotForLoan[] = "notforloan";
inline constexpr char kStatusDamaged[] = "damaged";
inline constexpr char kStatusLost[] = "lost";
inline constexpr char kStatusWithdrawn[] = "withdrawn";

// Where items go and how available they are.
struct ItemMapping {
  // The library whose file this is. Items with no branch go here, and so
  // does everything when `branches` is empty.
  std::string library_id;
  // Branch code (exactly as in the record) -> Silang library id. "*"
  // catches every branch not listed. When not empty, an item of an
  // unlisted branch (and no "*") is rejected.
  std::map<std::string, std::string> branches;
  // Status (kStatus*) or "itype:<item type>" -> availability, over the
  // defaults: available ON_SHELF, onloan ON_LOAN, notforloan and damaged
  // NOT_FOR_LOAN, lost and withdrawn WITHDRAWN. An "itype:" entry applies
  // to items whose status is available (e.g. "itype:REF" NOT_FOR_LOAN).
  std::map<std::string, Availability> statuses;

  // The Silang library for a branch; empty if the branch is not mapped.
  std::string LibraryFor(absl::string_view branch) const;
  Availability AvailabilityFor(absl::string_view status,
                               absl::string_view item_type) const;
  // Every library an import with this mapping may write: library_id and
  // the mapped libraries, sorted, distinct.
  std::vector<std::string> Libraries() const;
};

// A status name or an Availability enum name ("ON_SHELF",
// "AVAILABILITY_ON_SHELF", "on_shelf", "on-loan" ...) as availability.
absl::StatusOr<Availability> ParseAvailability(absl::string_view text,
                                               const ItemMapping& mapping);

struct Extracted {
  TitleRecord title;                     // title_key set
  std::vector<HoldingRecord> holdings;   // title_key and library_id set
  std::vector<std::string> item_errors;  // items skipped, and why
  int bad_isbns = 0;                     // 020$a values that are no ISBN
};

// InvalidArgument with the reason if the record has no ISBN, ISSN or
// title to be keyed by.
absl::StatusOr<Extracted> ExtractMarc(const MarcRecord& record,
                                      int64_t record_number,
                                      const ItemMapping& mapping);

// Where each known column sits in a CSV row (-1: absent). The header
// names them: isbn, issn, title, author, year, item_id, availability,
// call_number, and optionally branch; others are ignored.
struct CsvColumns {
  int isbn = -1;
  int issn = -1;
  int title = -1;
  int author = -1;
  int year = -1;
  int item_id = -1;
  int availability = -1;
  int call_number = -1;
  int branch = -1;

  // InvalidArgument if the header lacks item_id, or all of isbn, issn and
  // title.
  static absl::StatusOr<CsvColumns> FromHeader(
      const std::vector<std::string>& header);
};

// One CSV row (one item). An empty availability is unknown.
absl::StatusOr<Extracted> ExtractCsv(const std::vector<std::string>& cells,
                                     const CsvColumns& columns,
                                     const ItemMapping& mapping);

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_EXTRACT_H_
