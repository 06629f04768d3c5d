#include "engine/access.h"

#include "absl/strings/str_cat.h"
#include "engine/requests.h"

namespace silang {
namespace {

namespace s = storage::v1;

std::string Who(const Principal& p) {
  switch (p.role) {
    case s::CREDENTIAL_ROLE_LIBRARIAN:
      return absl::StrCat("librarian of ", p.library_id);
    case s::CREDENTIAL_ROLE_AGENT:
      return absl::StrCat("agent of ", p.library_id);
    default:
      return "caller";
  }
}

absl::string_view OpName(Operation op) {
  switch (op) {
    case Operation::kReadDirectory:
      return "read the directory";
    case Operation::kWriteDirectory:
      return "change the directory";
    case Operation::kWriteHoldings:
      return "change holdings of";
    case Operation::kSubmit:
      return "submit requests for";
    case Operation::kListRequests:
      return "list requests of";
    case Operation::kAct:
      return "act for";
    case Operation::kTasks:
      return "see the tasks of";
    case Operation::kAdmin:
      return "use admin calls";
  }
  return "do that";
}

bool IsAdmin(const Principal& p) {
  return p.demo || p.role == s::CREDENTIAL_ROLE_ADMIN;
}

}  // namespace

absl::Status Authorize(const Principal& who, Operation op,
                       absl::string_view library_id) {
  if (IsAdmin(who)) return absl::OkStatus();
  const bool own = !library_id.empty() && library_id == who.library_id;
  bool allowed = false;
  switch (op) {
    case Operation::kReadDirectory:
      allowed = true;
      break;
    case Operation::kWriteDirectory:
    case Operation::kAdmin:
      allowed = false;
      break;
    case Operation::kSubmit:
      allowed = own && who.role == s::CREDENTIAL_ROLE_LIBRARIAN;
      break;
    case Operation::kWriteHoldings:
    case Operation::kListRequests:
    case Operation::kAct:
    case Operation::kTasks:
      allowed = own;
      break;
  }
  if (allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      Who(who), " may not ", OpName(op),
      library_id.empty() ? "" : " ", library_id));
}

absl::Status AuthorizeRead(const Principal& who,
                           const storage::v1::RequestRecord& r, bool audit) {
  if (IsAdmin(who)) return absl::OkStatus();
  if (audit && who.role != s::CREDENTIAL_ROLE_LIBRARIAN) {
    return absl::PermissionDeniedError(
        absl::StrCat(Who(who), " may not read audit trails"));
  }
  const std::string& lib = who.library_id;
  bool took_part = lib == r.borrower_library_id() ||
                   lib == r.pickup_library_id() ||
                   lib == r.current_lender_id();
  for (int i = 0; !took_part && i < r.rota_size() &&
                  i <= r.rota_position();
       ++i) {
    took_part = r.rota(i).library_id() == lib;
  }
  if (took_part) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(Who(who), " may not read request ",
                   FormatRequestId(r.id()), ": ", lib, " took no part in it"));
}

}  // namespace silang
