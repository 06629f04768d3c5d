#include "engine/request_fsm.h"

#include <algorithm>
#include <array>

namespace silang::fsm {
namespace {

namespace s = storage::v1;
using enum ServiceScope;

constexpr State kSubmitted = s::STATE_SUBMITTED;
constexpr State kRouting = s::STATE_ROUTING;
constexpr State kSent = s::STATE_SENT_TO_LENDER;
constexpr State kWillSupply = s::STATE_WILL_SUPPLY;
constexpr State kShipped = s::STATE_SHIPPED;
constexpr State kReceived = s::STATE_RECEIVED;
constexpr State kOnLoan = s::STATE_ON_LOAN;
constexpr State kRenewal = s::STATE_RENEWAL_REQUESTED;
constexpr State kOverdue = s::STATE_OVERDUE;
constexpr State kRecalled = s::STATE_RECALLED;
constexpr State kReturnShipped = s::STATE_RETURN_SHIPPED;
constexpr State kComplete = s::STATE_COMPLETE;
constexpr State kUnfilled = s::STATE_UNFILLED;
constexpr State kCancelPending = s::STATE_CANCEL_PENDING;
constexpr State kCancelled = s::STATE_CANCELLED;
constexpr State kLost = s::STATE_LOST;

constexpr Role kBorrower = s::ROLE_BORROWER;
constexpr Role kLender = s::ROLE_LENDER;
constexpr Role kSystem = s::ROLE_SYSTEM;

// The request life. Keep in step with the diagram in request_fsm.h and
// docs/request-life.md.
constexpr Transition kTable[] = {
    {kNone, s::ACTION_SUBMIT, kBorrower, kAny, kSubmitted},
    // Routing: to the first lender, or ROUTING while no holdings are known,
    // or UNFILLED when every holder was filtered out.
    {kSubmitted, s::ACTION_ROUTE, kSystem, kAny, kNext},
    {kRouting, s::ACTION_ROUTE, kSystem, kAny, kNext},
    // The lender answers.
    {kSent, s::ACTION_WILL_SUPPLY, kLender, kAny, kWillSupply},
    {kSent, s::ACTION_UNFILLED, kLender, kAny, kNext},
    {kWillSupply, s::ACTION_UNFILLED, kLender, kAny, kNext},
    {kSent, s::ACTION_RETRY_POSSIBLE, kLender, kAny, kNext},
    {kSent, s::ACTION_TIMEOUT, kSystem, kAny, kNext},
    // A promise to supply that is not kept in time moves on too.
    {kWillSupply, s::ACTION_TIMEOUT, kSystem, kAny, kNext},
    {kSent, s::ACTION_SHIP, kLender, kAny, kShipped},
    {kWillSupply, s::ACTION_SHIP, kLender, kAny, kShipped},
    // Delivery. A copy is the borrower's to keep: no return leg.
    {kShipped, s::ACTION_RECEIVE, kBorrower, kLoan, kReceived},
    {kShipped, s::ACTION_RECEIVE, kBorrower, kCopy, kComplete},
    {kReceived, s::ACTION_CHECK_OUT, kBorrower, kLoan, kOnLoan},
    // The loan.
    {kOnLoan, s::ACTION_REQUEST_RENEWAL, kBorrower, kLoan, kRenewal},
    {kOverdue, s::ACTION_REQUEST_RENEWAL, kBorrower, kLoan, kRenewal},
    {kRenewal, s::ACTION_APPROVE_RENEWAL, kLender, kLoan, kOnLoan},
    {kRenewal, s::ACTION_DENY_RENEWAL, kLender, kLoan, kOnLoan},
    {kOnLoan, s::ACTION_MARK_OVERDUE, kSystem, kLoan, kOverdue},
    {kRenewal, s::ACTION_MARK_OVERDUE, kSystem, kLoan, kOverdue},
    {kOnLoan, s::ACTION_RECALL, kLender, kLoan, kRecalled},
    {kOverdue, s::ACTION_RECALL, kLender, kLoan, kRecalled},
    {kRenewal, s::ACTION_RECALL, kLender, kLoan, kRecalled},
    // The return leg.
    {kReceived, s::ACTION_SHIP_RETURN, kBorrower, kLoan, kReturnShipped},
    {kOnLoan, s::ACTION_SHIP_RETURN, kBorrower, kLoan, kReturnShipped},
    {kRenewal, s::ACTION_SHIP_RETURN, kBorrower, kLoan, kReturnShipped},
    {kOverdue, s::ACTION_SHIP_RETURN, kBorrower, kLoan, kReturnShipped},
    {kRecalled, s::ACTION_SHIP_RETURN, kBorrower, kLoan, kReturnShipped},
    {kReturnShipped, s::ACTION_CHECK_IN, kLender, kLoan, kComplete},
    // Cancellation: at once before any lender holds it, else the lender
    // confirms (or says it already shipped). A lender that never answers
    // does not block the cancellation: its deadline confirms it.
    {kSubmitted, s::ACTION_CANCEL, kBorrower, kAny, kCancelled},
    {kRouting, s::ACTION_CANCEL, kBorrower, kAny, kCancelled},
    {kSent, s::ACTION_CANCEL, kBorrower, kAny, kCancelPending},
    {kWillSupply, s::ACTION_CANCEL, kBorrower, kAny, kCancelPending},
    {kCancelPending, s::ACTION_CONFIRM_CANCEL, kLender, kAny, kCancelled},
    {kCancelPending, s::ACTION_TIMEOUT, kSystem, kAny, kCancelled},
    {kCancelPending, s::ACTION_REJECT_CANCEL, kLender, kAny, kShipped},
    // Loss: either side may declare an item lost while it is out.
    {kShipped, s::ACTION_MARK_LOST, kLender, kAny, kLost},
    {kShipped, s::ACTION_MARK_LOST, kBorrower, kAny, kLost},
    {kReceived, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    {kOnLoan, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    {kRenewal, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    {kOverdue, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    {kOverdue, s::ACTION_MARK_LOST, kLender, kLoan, kLost},
    {kRecalled, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    {kRecalled, s::ACTION_MARK_LOST, kLender, kLoan, kLost},
    {kReturnShipped, s::ACTION_MARK_LOST, kLender, kLoan, kLost},
    {kReturnShipped, s::ACTION_MARK_LOST, kBorrower, kLoan, kLost},
    // Unfilled is not a dead end: the borrower may route again.
    {kUnfilled, s::ACTION_REREQUEST, kBorrower, kAny, kNext},
};

bool InScope(ServiceScope scope, ServiceType service) {
  switch (scope) {
    case kAny:
      return true;
    case kLoan:
      return service != s::SERVICE_TYPE_COPY;
    case kCopy:
      return service == s::SERVICE_TYPE_COPY;
  }
  return false;
}

template <typename Enum>
absl::string_view TrimmedName(Enum value, const std::string& full,
                             absl::string_view prefix) {
  absl::string_view name = full;
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  return name.empty() ? absl::string_view("UNKNOWN") : name;
}

}  // namespace

std::span<const Transition> Table() { return kTable; }

std::optional<Transition> Find(State from, Action action, ServiceType service,
                               std::optional<Role> role) {
  for (const Transition& t : kTable) {
    if (t.from == from && t.action == action && InScope(t.scope, service) &&
        (!role || t.role == *role)) {
      return t;
    }
  }
  return std::nullopt;
}

std::vector<Action> ActionsFor(State state, ServiceType service, Role role) {
  std::vector<Action> actions;
  for (const Transition& t : kTable) {
    if (t.from == state && t.role == role && InScope(t.scope, service) &&
        std::find(actions.begin(), actions.end(), t.action) == actions.end()) {
      actions.push_back(t.action);
    }
  }
  return actions;
}

bool IsTerminal(State state) {
  return state == kComplete || state == kUnfilled || state == kCancelled ||
         state == kLost;
}

// The names come from the storage enum descriptors, which are generated
// static data, so the views stay valid.
absl::string_view StateName(State state) {
  return TrimmedName(state, s::State_Name(state), "STATE_");
}
absl::string_view ActionName(Action action) {
  return TrimmedName(action, s::Action_Name(action), "ACTION_");
}
absl::string_view RoleName(Role role) {
  return TrimmedName(role, s::Role_Name(role), "ROLE_");
}
absl::string_view ReasonName(s::Reason reason) {
  return TrimmedName(reason, s::Reason_Name(reason), "REASON_");
}

absl::string_view Iso18626Status(State state, ServiceType service) {
  const bool copy = service == s::SERVICE_TYPE_COPY;
  switch (state) {
    case kSent:
    case kCancelPending:
      return "RequestReceived";
    case kWillSupply:
      return "WillSupply";
    case kShipped:
      return copy ? "CopyCompleted" : "Loaned";
    case kReceived:
    case kOnLoan:
    case kRenewal:
    case kReturnShipped:
      return "Loaned";
    case kOverdue:
      return "Overdue";
    case kRecalled:
      return "Recalled";
    case kComplete:
      return copy ? "CopyCompleted" : "LoanCompleted";
    case kUnfilled:
      return "Unfilled";
    case kCancelled:
      return "Cancelled";
    case kLost:
      return "CompletedWithoutReturn";
    default:
      return "";
  }
}

absl::string_view Iso18626Action(Action action) {
  switch (action) {
    case s::ACTION_SUBMIT:
    case s::ACTION_ROUTE:
    case s::ACTION_REREQUEST:
      return "Request";
    case s::ACTION_WILL_SUPPLY:
      return "SupplyingAgencyMessage/WillSupply";
    case s::ACTION_UNFILLED:
      return "SupplyingAgencyMessage/Unfilled";
    case s::ACTION_RETRY_POSSIBLE:
      return "SupplyingAgencyMessage/RetryPossible";
    case s::ACTION_TIMEOUT:
      return "SupplyingAgencyMessage/Unfilled";
    case s::ACTION_SHIP:
      return "SupplyingAgencyMessage/Loaned";
    case s::ACTION_RECEIVE:
      return "RequestingAgencyMessage/Received";
    case s::ACTION_CHECK_OUT:
      return "RequestingAgencyMessage/Notification";
    case s::ACTION_REQUEST_RENEWAL:
      return "RequestingAgencyMessage/Renew";
    case s::ACTION_APPROVE_RENEWAL:
    case s::ACTION_DENY_RENEWAL:
      return "SupplyingAgencyMessage/RenewResponse";
    case s::ACTION_MARK_OVERDUE:
      return "SupplyingAgencyMessage/Overdue";
    case s::ACTION_RECALL:
      return "SupplyingAgencyMessage/Recalled";
    case s::ACTION_SHIP_RETURN:
      return "RequestingAgencyMessage/ShippedReturn";
    case s::ACTION_CHECK_IN:
      return "SupplyingAgencyMessage/LoanCompleted";
    case s::ACTION_CANCEL:
      return "RequestingAgencyMessage/Cancel";
    case s::ACTION_CONFIRM_CANCEL:
      return "SupplyingAgencyMessage/Cancelled";
    case s::ACTION_REJECT_CANCEL:
      return "SupplyingAgencyMessage/CancelResponse";
    case s::ACTION_MARK_LOST:
      return "RequestingAgencyMessage/Lost";
    default:
      return "";
  }
}

bool IsUnfilledReason(s::Reason reason) {
  return reason >= s::REASON_NON_CIRCULATING &&
         reason <= s::REASON_POOR_CONDITION;
}

bool IsRetryReason(s::Reason reason) {
  return reason >= s::REASON_ON_LOAN &&
         reason <= s::REASON_DELIVERY_DATE_NOT_POSSIBLE;
}

}  // namespace silang::fsm
