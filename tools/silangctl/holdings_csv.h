// Reads holdings for `silangctl holdings put --file`: a CSV file with the
// header line
//
//   isbn,item_id,availability,call_number
//
// then one holding per line. availability is a short name (on-shelf,
// on-loan, not-for-loan, withdrawn) or "unknown" or empty. A field holding
// a comma or a quote is written in double quotes, with "" for a quote.
// Blank lines are skipped; a trailing CR is ignored.
#ifndef SILANG_TOOLS_SILANGCTL_HOLDINGS_CSV_H_
#define SILANG_TOOLS_SILANGCTL_HOLDINGS_CSV_H_

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "silang/v1/directory.pb.h"

namespace silang::ctl {

// The holdings in `in`, without library_id or material_type (the caller
// sets those). Errors are usage errors naming `name` and the line number.
absl::StatusOr<std::vector<v1::Holding>> ReadHoldingsCsv(
    std::istream& in, const std::string& name);

// An availability as typed on the command line or in the file; nullopt if
// it is not one.
std::optional<v1::Availability> ParseAvailability(const std::string& text);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_HOLDINGS_CSV_H_
