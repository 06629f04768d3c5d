#include "tools/silangctl/acts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

constexpr ActSpec kActs[] = {
    {"will-supply", v1::ACTION_WILL_SUPPLY, "Lender: agree to supply",
     kActNone},
    {"unfilled", v1::ACTION_UNFILLED,
     "Lender: cannot supply; the next lender in the rota is asked", kActReason},
    {"retry", v1::ACTION_RETRY_POSSIBLE,
     "Lender: cannot supply now; ask again at the end of the rota", kActReason},
    {"ship", v1::ACTION_SHIP, "Lender: the item is on its way", kActTracking},
    {"receive", v1::ACTION_RECEIVE, "Borrower: the item has arrived", kActNone},
    {"check-out", v1::ACTION_CHECK_OUT, "Borrower: lent to the patron",
     kActDue},
    {"request-renewal", v1::ACTION_REQUEST_RENEWAL,
     "Borrower: ask the lender for a renewal", kActNone},
    {"approve-renewal", v1::ACTION_APPROVE_RENEWAL, "Lender: renew the loan",
     kActDue},
    {"deny-renewal", v1::ACTION_DENY_RENEWAL, "Lender: refuse the renewal",
     kActNone},
    {"recall", v1::ACTION_RECALL, "Lender: recall the item", kActNone},
    {"return", v1::ACTION_SHIP_RETURN, "Borrower: the item is on its way back",
     kActTracking},
    {"check-in", v1::ACTION_CHECK_IN, "Lender: the item is back", kActNone},
    {"confirm-cancel", v1::ACTION_CONFIRM_CANCEL,
     "Lender: accept the borrower's cancellation", kActNone},
    {"reject-cancel", v1::ACTION_REJECT_CANCEL,
     "Lender: refuse the cancellation (already shipped)", kActNone},
    {"lost", v1::ACTION_MARK_LOST, "Lender or borrower: the item is lost",
     kActNone},
};

}  // namespace

std::span<const ActSpec> ActSpecs() { return kActs; }

void AddActFlags(CLI::App* cmd, const ActSpec& spec, ActFlags* f) {
  cmd->add_option("REQUEST_ID", f->request_id, "Request id, e.g. r-42")
      ->required();
  cmd->add_option("--note", f->note, "Note for the audit trail");
  AddVersionFlag(cmd, &f->version);
  if (spec.extras & kActReason) {
    cmd->add_option("--reason", f->reason, "Why, e.g. not-on-shelf")
        ->transform(EnumName<v1::Reason>())
        ->type_name("REASON")
        ->required();
  }
  if (spec.extras & kActTracking) {
    cmd->add_option("--tracking", f->tracking, "Shipment tracking reference");
  }
  if (spec.extras & kActDue) {
    cmd->add_option("--due", f->due,
                    "Due date; a bare day means its end (23:59:59Z)")
        ->check(TimeText());
  }
}

std::string CommandFor(v1::Action action) {
  for (const ActSpec& spec : kActs) {
    if (spec.action == action) return spec.name;
  }
  return absl::AsciiStrToLower(
      absl::StrReplaceAll(ShortName(action), {{"_", "-"}}));
}

std::string TaskLine(const v1::Task& task) {
  std::string out = absl::StrCat(absl::AsciiStrToLower(ShortName(task.role())),
                                 " ", RequestLine(task.request()));
  if (task.actions_size() > 0) {
    out += " | next:";
    for (int action : task.actions()) {
      absl::StrAppend(&out, " ", CommandFor(static_cast<v1::Action>(action)));
    }
  }
  return out;
}

}  // namespace silang::ctl
