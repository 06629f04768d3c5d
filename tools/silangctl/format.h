// silangctl's output: compact human-readable lines for librarians and, under
// --json, the reply message itself. The formatters are pure (message in,
// text out); only Emit() writes to stdout.
#ifndef SILANG_TOOLS_SILANGCTL_FORMAT_H_
#define SILANG_TOOLS_SILANGCTL_FORMAT_H_

#include <google/protobuf/message.h>

#include <string>

#include "silang/v1/directory.pb.h"
#include "silang/v1/types.pb.h"

namespace silang::ctl {

// "isbn:9786020000000", "issn:1234-5678", "record:abc"; "-" if unset.
std::string TitleText(const v1::TitleRef& title);

// One line: "r-42 v5 SHIPPED loan isbn:978... borrower JKT-1 -> lender
// BDG-2 (rank 1 of 3) deadline 2026-11-25T17:00:00Z tracking PX123".
std::string RequestLine(const v1::Request& request);

// RequestLine, then indented lines for the bibliographic data, patron,
// pickup, times and note.
std::string RequestDetail(const v1::Request& request);

// The rota as a table (rank, library, score and its components, outcome,
// explanation; "*" marks the current lender), then the holders that were
// filtered out, each with its reason.
std::string RotaTable(const v1::Request& request);

// "  3 2026-11-20T03:00:00Z BDG-2 lender UNFILLED SENT_TO_LENDER->... ".
std::string AuditEventLine(const v1::AuditEvent& event);

std::string LibraryLine(const v1::Library& library);
// LibraryLine, then one line per closure.
std::string LibraryDetail(const v1::Library& library);
std::string PartnershipLine(const v1::Partnership& partnership);
std::string HoldingLine(const v1::Holding& holding);

// One line per item, each ending in a newline.
template <typename Item>
std::string Lines(const google::protobuf::RepeatedPtrField<Item>& items,
                  std::string (*line)(const Item&)) {
  std::string out;
  for (const Item& item : items) out += line(item) + "\n";
  return out;
}

// Writes the reply to stdout: as one JSON document (proto field names,
// default values left out) under --json, else `human`.
void Emit(const google::protobuf::Message& reply, bool json,
          const std::string& human);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_FORMAT_H_
