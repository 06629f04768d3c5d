// The life of an interlibrary-loan request, held as data.
//
// Every legal move is one row of kTransitions in request_fsm.cc: from which
// state, by which action, done by whom (borrower, current lender, system),
// for which service (loan, copy or both), and to which state. A row whose
// target is kNext ends wherever routing takes the request: the next lender
// in the rota (SENT_TO_LENDER), waiting for holdings (ROUTING) or, with the
// rota exhausted, UNFILLED.
//
//                     SUBMIT
//                       |
//                       v          ROUTE (no holdings yet)
//                   SUBMITTED ------------------------> ROUTING
//                       | ROUTE                            | ROUTE
//                       v                                  v
//   +------------> SENT_TO_LENDER <------------------------+
//   | UNFILLED,      |  (deadline; TIMEOUT moves on)
//   | RETRY_POSSIBLE |---------------------+ WILL_SUPPLY
//   | TIMEOUT        |                     v
//   +----------------+ SHIP           WILL_SUPPLY --UNFILLED, TIMEOUT--> (next)
//          |                               | SHIP
//          v                               v
//       SHIPPED <------------------------- +
//          | RECEIVE (copy: ---> COMPLETE, no return leg)
//          v
//       RECEIVED --CHECK_OUT--> ON_LOAN <--APPROVE/DENY_RENEWAL-- RENEWAL_REQUESTED
//          |                     | | MARK_OVERDUE                ^
//          |                     | +--> OVERDUE --REQUEST_RENEWAL+
//          |                     | RECALL      | RECALL
//          |                     v             v
//          |                  RECALLED <-------+
//          | SHIP_RETURN (from RECEIVED, ON_LOAN, RENEWAL_REQUESTED,
//          v              OVERDUE or RECALLED)
//    RETURN_SHIPPED --CHECK_IN--> COMPLETE
//
//   ON_LOAN --REQUEST_RENEWAL--> RENEWAL_REQUESTED (as from OVERDUE)
//   RENEWAL_REQUESTED --RECALL--> RECALLED (a recall may answer it)
//   RENEWAL_REQUESTED --MARK_OVERDUE--> OVERDUE (the due date still holds)
//   rota exhausted ---> UNFILLED --REREQUEST--> (routes again)
//   SUBMITTED, ROUTING --CANCEL--> CANCELLED
//   SENT_TO_LENDER, WILL_SUPPLY --CANCEL--> CANCEL_PENDING
//        CANCEL_PENDING --CONFIRM_CANCEL or TIMEOUT--> CANCELLED
//        CANCEL_PENDING --REJECT_CANCEL (already shipped)--> SHIPPED
//   SHIPPED .. RETURN_SHIPPED --MARK_LOST--> LOST (the borrower throughout;
//        the lender while in transit, OVERDUE or RECALLED)
//
// Terminal states: COMPLETE, UNFILLED (until REREQUEST), CANCELLED, LOST.
//
// Pure functions; thread-safe.
#ifndef SILANG_ENGINE_REQUEST_FSM_H_
#define SILANG_ENGINE_REQUEST_FSM_H_

#include <optional>
#include <span>
#include <vector>

#include "absl/strings/string_view.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

using State = storage::v1::State;
using Action = storage::v1::Action;
using Role = storage::v1::Role;
using ServiceType = storage::v1::ServiceType;

// Which services a transition applies to.
enum class ServiceScope { kAny, kLoan, kCopy };

struct Transition {
  State from;
  Action action;
  Role role;
  ServiceScope scope;
  // Where the request goes; STATE_UNSPECIFIED means "wherever routing
  // takes it" (see Fsm::kNext).
  State to;
};

namespace fsm {

// Target of routing transitions.
inline constexpr State kNext = storage::v1::STATE_UNSPECIFIED;
// The "state" a request is in before SUBMIT.
inline constexpr State kNone = storage::v1::STATE_UNSPECIFIED;

// Every legal transition.
std::span<const Transition> Table();

// The row for (from, action, service) that `role` may take, or with no role
// given, the first row whoever may take it; nullopt if there is none.
std::optional<Transition> Find(State from, Action action, ServiceType service,
                               std::optional<Role> role = std::nullopt);

// Actions the given role may take in this state.
std::vector<Action> ActionsFor(State state, ServiceType service, Role role);

// True if nothing more can happen (except REREQUEST after UNFILLED).
bool IsTerminal(State state);

// Upper-case names, as in messages: "SENT_TO_LENDER", "WILL_SUPPLY".
absl::string_view StateName(State state);
absl::string_view ActionName(Action action);
absl::string_view RoleName(Role role);
absl::string_view ReasonName(storage::v1::Reason reason);

// The ISO 18626 supplier status a peer sees for this state; empty before
// the request has reached any supplier.
absl::string_view Iso18626Status(State state, ServiceType service);
// The ISO 18626 message type and value an action corresponds to, e.g.
// "SupplyingAgencyMessage/WillSupply" or "RequestingAgencyMessage/Received".
absl::string_view Iso18626Action(Action action);

// True if this reason is one a lender may give with ACTION_UNFILLED.
bool IsUnfilledReason(storage::v1::Reason reason);
// True if this reason is one a lender may give with ACTION_RETRY_POSSIBLE.
bool IsRetryReason(storage::v1::Reason reason);

}  // namespace fsm
}  // namespace silang

#endif  // SILANG_ENGINE_REQUEST_FSM_H_
