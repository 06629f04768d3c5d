// Who may do what. Pure functions over a Principal; the services call one
// of them before their engine call. PermissionDenied messages name the
// caller's role and library and what it tried.
//
//   operation              admin  librarian of X        agent of X
//   read directory          yes    yes                   yes
//   write directory         yes    no                    no
//   write holdings of X     yes    yes                   yes
//   submit as borrower X    yes    yes                   no
//   list requests of X      yes    yes                   yes
//   read a request          yes    if X took part        if X took part
//   act as X (either side)  yes    yes                   yes
//   tasks of X              yes    yes                   yes
//   audit trail             yes    if X took part        no
//   credentials, timers,
//   reports, metrics        yes    no                    no
//
// "X took part": X is the borrower, the pickup library, or a lender the
// request was sent to. In demo mode every call is allowed.
#ifndef SILANG_ENGINE_ACCESS_H_
#define SILANG_ENGINE_ACCESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/credentials.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

enum class Operation {
  kReadDirectory,
  kWriteDirectory,
  kWriteHoldings,   // of the named library
  kSubmit,          // as the named borrower
  kListRequests,    // of the named library
  kAct,             // as the named library
  kTasks,           // of the named library
  kAdmin,           // credentials, timers, reports
};

// For operations on a named library (or none).
absl::Status Authorize(const Principal& who, Operation op,
                       absl::string_view library_id = "");

// Reading one request, or (audit = true) its audit trail.
absl::Status AuthorizeRead(const Principal& who,
                           const storage::v1::RequestRecord& request,
                           bool audit);

}  // namespace silang

#endif  // SILANG_ENGINE_ACCESS_H_
