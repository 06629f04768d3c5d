#include "engine/request_fsm.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang {
namespace {

namespace s = storage::v1;
using ::testing::UnorderedElementsAreArray;

enum class Svc { kLoan, kCopy, kBoth };

// One legal move, written out from the diagram in engine/request_fsm.h,
// independently of kTable in request_fsm.cc.
struct Legal {
  State from;
  Action action;
  Role role;
  Svc svc;
  State to;  // STATE_UNSPECIFIED: wherever routing takes it
};

constexpr State kNone = s::STATE_UNSPECIFIED;
constexpr State kNext = s::STATE_UNSPECIFIED;
constexpr Role B = s::ROLE_BORROWER;
constexpr Role L = s::ROLE_LENDER;
constexpr Role Y = s::ROLE_SYSTEM;

const std::vector<Legal>& Expected() {
  static const auto* rows = new std::vector<Legal>{
      {kNone, s::ACTION_SUBMIT, B, Svc::kBoth, s::STATE_SUBMITTED},
      {s::STATE_SUBMITTED, s::ACTION_ROUTE, Y, Svc::kBoth, kNext},
      {s::STATE_ROUTING, s::ACTION_ROUTE, Y, Svc::kBoth, kNext},
      // The lender answers: yes, no (moves on), later (moves on), silence
      // (the deadline moves on), or ships at once.
      {s::STATE_SENT_TO_LENDER, s::ACTION_WILL_SUPPLY, L, Svc::kBoth,
       s::STATE_WILL_SUPPLY},
      {s::STATE_SENT_TO_LENDER, s::ACTION_UNFILLED, L, Svc::kBoth, kNext},
      {s::STATE_SENT_TO_LENDER, s::ACTION_RETRY_POSSIBLE, L, Svc::kBoth, kNext},
      {s::STATE_SENT_TO_LENDER, s::ACTION_TIMEOUT, Y, Svc::kBoth, kNext},
      {s::STATE_SENT_TO_LENDER, s::ACTION_SHIP, L, Svc::kBoth,
       s::STATE_SHIPPED},
      {s::STATE_WILL_SUPPLY, s::ACTION_UNFILLED, L, Svc::kBoth, kNext},
      {s::STATE_WILL_SUPPLY, s::ACTION_SHIP, L, Svc::kBoth, s::STATE_SHIPPED},
      // A promise to supply not kept in time moves on.
      {s::STATE_WILL_SUPPLY, s::ACTION_TIMEOUT, Y, Svc::kBoth, kNext},
      // Delivery: a copy ends on receipt; a loan goes on.
      {s::STATE_SHIPPED, s::ACTION_RECEIVE, B, Svc::kLoan, s::STATE_RECEIVED},
      {s::STATE_SHIPPED, s::ACTION_RECEIVE, B, Svc::kCopy, s::STATE_COMPLETE},
      {s::STATE_RECEIVED, s::ACTION_CHECK_OUT, B, Svc::kLoan, s::STATE_ON_LOAN},
      // The loan.
      {s::STATE_ON_LOAN, s::ACTION_REQUEST_RENEWAL, B, Svc::kLoan,
       s::STATE_RENEWAL_REQUESTED},
      {s::STATE_OVERDUE, s::ACTION_REQUEST_RENEWAL, B, Svc::kLoan,
       s::STATE_RENEWAL_REQUESTED},
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_APPROVE_RENEWAL, L, Svc::kLoan,
       s::STATE_ON_LOAN},
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_DENY_RENEWAL, L, Svc::kLoan,
       s::STATE_ON_LOAN},
      {s::STATE_ON_LOAN, s::ACTION_MARK_OVERDUE, Y, Svc::kLoan,
       s::STATE_OVERDUE},
      // A pending renewal does not stop the due date.
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_MARK_OVERDUE, Y, Svc::kLoan,
       s::STATE_OVERDUE},
      {s::STATE_ON_LOAN, s::ACTION_RECALL, L, Svc::kLoan, s::STATE_RECALLED},
      {s::STATE_OVERDUE, s::ACTION_RECALL, L, Svc::kLoan, s::STATE_RECALLED},
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_RECALL, L, Svc::kLoan,
       s::STATE_RECALLED},
      // The return leg.
      {s::STATE_RECEIVED, s::ACTION_SHIP_RETURN, B, Svc::kLoan,
       s::STATE_RETURN_SHIPPED},
      {s::STATE_ON_LOAN, s::ACTION_SHIP_RETURN, B, Svc::kLoan,
       s::STATE_RETURN_SHIPPED},
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_SHIP_RETURN, B, Svc::kLoan,
       s::STATE_RETURN_SHIPPED},
      {s::STATE_OVERDUE, s::ACTION_SHIP_RETURN, B, Svc::kLoan,
       s::STATE_RETURN_SHIPPED},
      {s::STATE_RECALLED, s::ACTION_SHIP_RETURN, B, Svc::kLoan,
       s::STATE_RETURN_SHIPPED},
      {s::STATE_RETURN_SHIPPED, s::ACTION_CHECK_IN, L, Svc::kLoan,
       s::STATE_COMPLETE},
      // Unfilled: the borrower may try again.
      {s::STATE_UNFILLED, s::ACTION_REREQUEST, B, Svc::kBoth, kNext},
      // Cancellation.
      {s::STATE_SUBMITTED, s::ACTION_CANCEL, B, Svc::kBoth, s::STATE_CANCELLED},
      {s::STATE_ROUTING, s::ACTION_CANCEL, B, Svc::kBoth, s::STATE_CANCELLED},
      {s::STATE_SENT_TO_LENDER, s::ACTION_CANCEL, B, Svc::kBoth,
       s::STATE_CANCEL_PENDING},
      {s::STATE_WILL_SUPPLY, s::ACTION_CANCEL, B, Svc::kBoth,
       s::STATE_CANCEL_PENDING},
      {s::STATE_CANCEL_PENDING, s::ACTION_CONFIRM_CANCEL, L, Svc::kBoth,
       s::STATE_CANCELLED},
      {s::STATE_CANCEL_PENDING, s::ACTION_TIMEOUT, Y, Svc::kBoth,
       s::STATE_CANCELLED},
      {s::STATE_CANCEL_PENDING, s::ACTION_REJECT_CANCEL, L, Svc::kBoth,
       s::STATE_SHIPPED},
      // Loss, from SHIPPED to RETURN_SHIPPED. In transit either side may
      // declare it; while the borrower holds it only the borrower may, until
      // it is overdue or recalled, when the lender may too.
      {s::STATE_SHIPPED, s::ACTION_MARK_LOST, B, Svc::kBoth, s::STATE_LOST},
      {s::STATE_SHIPPED, s::ACTION_MARK_LOST, L, Svc::kBoth, s::STATE_LOST},
      {s::STATE_RECEIVED, s::ACTION_MARK_LOST, B, Svc::kLoan, s::STATE_LOST},
      {s::STATE_ON_LOAN, s::ACTION_MARK_LOST, B, Svc::kLoan, s::STATE_LOST},
      {s::STATE_RENEWAL_REQUESTED, s::ACTION_MARK_LOST, B, Svc::kLoan,
       s::STATE_LOST},
      {s::STATE_OVERDUE, s::ACTION_MARK_LOST, B, Svc::kLoan, s::STATE_LOST},
      {s::STATE_OVERDUE, s::ACTION_MARK_LOST, L, Svc::kLoan, s::STATE_LOST},
      {s::STATE_RECALLED, s::ACTION_MARK_LOST, B, Svc::kLoan, s::STATE_LOST},
      {s::STATE_RECALLED, s::ACTION_MARK_LOST, L, Svc::kLoan, s::STATE_LOST},
      {s::STATE_RETURN_SHIPPED, s::ACTION_MARK_LOST, B, Svc::kLoan,
       s::STATE_LOST},
      {s::STATE_RETURN_SHIPPED, s::ACTION_MARK_LOST, L, Svc::kLoan,
       s::STATE_LOST},
  };
  return *rows;
}

bool Applies(Svc svc, ServiceType service) {
  switch (svc) {
    case Svc::kBoth:
      return true;
    case Svc::kLoan:
      return service == s::SERVICE_TYPE_LOAN;
    case Svc::kCopy:
      return service == s::SERVICE_TYPE_COPY;
  }
  return false;
}

// Expected target of (from, action, service, role), or nullopt if illegal.
std::optional<State> ExpectedTo(State from, Action action, ServiceType service,
                                Role role) {
  for (const Legal& l : Expected()) {
    if (l.from == from && l.action == action && l.role == role &&
        Applies(l.svc, service)) {
      return l.to;
    }
  }
  return std::nullopt;
}

std::vector<State> AllStates() {
  std::vector<State> out;
  for (int i = s::State_MIN; i <= s::State_MAX; ++i) {
    if (s::State_IsValid(i)) out.push_back(static_cast<State>(i));
  }
  return out;
}

std::vector<Action> AllActions() {
  std::vector<Action> out;
  for (int i = s::Action_MIN; i <= s::Action_MAX; ++i) {
    if (s::Action_IsValid(i)) out.push_back(static_cast<Action>(i));
  }
  return out;
}

const Role kRoles[] = {s::ROLE_BORROWER, s::ROLE_LENDER, s::ROLE_SYSTEM,
                       s::ROLE_ADMIN};
const ServiceType kServices[] = {s::SERVICE_TYPE_LOAN, s::SERVICE_TYPE_COPY};

std::string Describe(State from, Action action, ServiceType service,
                     std::optional<Role> role) {
  std::string out = std::string(fsm::StateName(from)) + " x " +
                    std::string(fsm::ActionName(action)) + " (" +
                    s::ServiceType_Name(service);
  if (role) out += ", " + std::string(fsm::RoleName(*role));
  return out + ")";
}

TEST(RequestFsmTest, EnumsAreTheOnesTheTestSweeps) {
  // If a state or action is added, this test and the expected table must
  // learn about it.
  EXPECT_EQ(AllStates().size(), 17u);
  EXPECT_EQ(AllActions().size(), 22u);
}

TEST(RequestFsmTest, FindMatchesExpectedTableForEveryPairAndRole) {
  int legal = 0;
  for (ServiceType service : kServices) {
    for (State from : AllStates()) {
      for (Action action : AllActions()) {
        for (Role role : kRoles) {
          SCOPED_TRACE(Describe(from, action, service, role));
          std::optional<State> want = ExpectedTo(from, action, service, role);
          std::optional<Transition> got =
              fsm::Find(from, action, service, role);
          ASSERT_EQ(got.has_value(), want.has_value());
          if (!got) continue;
          ++legal;
          EXPECT_EQ(got->from, from);
          EXPECT_EQ(got->action, action);
          EXPECT_EQ(got->role, role);
          EXPECT_EQ(got->to, *want);
        }
      }
    }
  }
  // Every expected row was found once for each service it applies to.
  int want_legal = 0;
  for (ServiceType service : kServices) {
    for (const Legal& l : Expected()) want_legal += Applies(l.svc, service);
  }
  EXPECT_EQ(legal, want_legal);
}

TEST(RequestFsmTest, FindWithoutRoleFindsWhoeverMayAct) {
  for (ServiceType service : kServices) {
    for (State from : AllStates()) {
      for (Action action : AllActions()) {
        SCOPED_TRACE(Describe(from, action, service, std::nullopt));
        std::set<Role> may;
        std::optional<State> to;
        for (Role role : kRoles) {
          if (auto t = ExpectedTo(from, action, service, role)) {
            may.insert(role);
            to = t;
          }
        }
        std::optional<Transition> got = fsm::Find(from, action, service);
        ASSERT_EQ(got.has_value(), !may.empty());
        if (got) {
          EXPECT_TRUE(may.count(got->role));
          EXPECT_EQ(got->to, *to);
        }
      }
    }
  }
}

TEST(RequestFsmTest, UnspecifiedServiceBehavesAsLoan) {
  for (State from : AllStates()) {
    for (Action action : AllActions()) {
      for (Role role : kRoles) {
        EXPECT_EQ(
            fsm::Find(from, action, s::SERVICE_TYPE_UNSPECIFIED, role)
                .has_value(),
            fsm::Find(from, action, s::SERVICE_TYPE_LOAN, role).has_value())
            << Describe(from, action, s::SERVICE_TYPE_UNSPECIFIED, role);
      }
    }
  }
}

TEST(RequestFsmTest, TableHasNoDuplicateRows) {
  std::set<std::tuple<int, int, int, int>> seen;
  for (const Transition& t : fsm::Table()) {
    EXPECT_TRUE(
        seen.insert({t.from, t.action, t.role, static_cast<int>(t.scope)})
            .second)
        << Describe(t.from, t.action, s::SERVICE_TYPE_LOAN, t.role);
  }
  EXPECT_EQ(fsm::Table().size(), Expected().size());
}

TEST(RequestFsmTest, ActionsForEachRoleMatchExpected) {
  for (ServiceType service : kServices) {
    for (State state : AllStates()) {
      for (Role role : kRoles) {
        std::vector<Action> want;
        for (const Legal& l : Expected()) {
          if (l.from == state && l.role == role && Applies(l.svc, service) &&
              std::find(want.begin(), want.end(), l.action) == want.end()) {
            want.push_back(l.action);
          }
        }
        EXPECT_THAT(fsm::ActionsFor(state, service, role),
                    UnorderedElementsAreArray(want))
            << Describe(state, s::ACTION_UNSPECIFIED, service, role);
      }
    }
  }
}

TEST(RequestFsmTest, ActionsForSpotChecks) {
  EXPECT_THAT(
      fsm::ActionsFor(s::STATE_SENT_TO_LENDER, s::SERVICE_TYPE_LOAN,
                      s::ROLE_LENDER),
      UnorderedElementsAreArray({s::ACTION_WILL_SUPPLY, s::ACTION_UNFILLED,
                                 s::ACTION_RETRY_POSSIBLE, s::ACTION_SHIP}));
  EXPECT_THAT(fsm::ActionsFor(s::STATE_SENT_TO_LENDER, s::SERVICE_TYPE_LOAN,
                              s::ROLE_BORROWER),
              UnorderedElementsAreArray({s::ACTION_CANCEL}));
  EXPECT_THAT(fsm::ActionsFor(s::STATE_SENT_TO_LENDER, s::SERVICE_TYPE_LOAN,
                              s::ROLE_SYSTEM),
              UnorderedElementsAreArray({s::ACTION_TIMEOUT}));
  // MARK_LOST appears once although two rows allow it while shipped.
  EXPECT_THAT(
      fsm::ActionsFor(s::STATE_SHIPPED, s::SERVICE_TYPE_COPY, s::ROLE_BORROWER),
      UnorderedElementsAreArray({s::ACTION_RECEIVE, s::ACTION_MARK_LOST}));
  EXPECT_THAT(
      fsm::ActionsFor(s::STATE_ON_LOAN, s::SERVICE_TYPE_LOAN, s::ROLE_BORROWER),
      UnorderedElementsAreArray({s::ACTION_REQUEST_RENEWAL,
                                 s::ACTION_SHIP_RETURN, s::ACTION_MARK_LOST}));
  EXPECT_TRUE(
      fsm::ActionsFor(s::STATE_COMPLETE, s::SERVICE_TYPE_LOAN, s::ROLE_LENDER)
          .empty());
  EXPECT_TRUE(
      fsm::ActionsFor(s::STATE_ON_LOAN, s::SERVICE_TYPE_LOAN, s::ROLE_ADMIN)
          .empty());
}

TEST(RequestFsmTest, IsTerminal) {
  const std::set<State> terminal = {s::STATE_COMPLETE, s::STATE_UNFILLED,
                                    s::STATE_CANCELLED, s::STATE_LOST};
  for (State state : AllStates()) {
    EXPECT_EQ(fsm::IsTerminal(state), terminal.count(state) == 1)
        << fsm::StateName(state);
  }
}

TEST(RequestFsmTest, TerminalStatesOfferNothingButRerequest) {
  for (ServiceType service : kServices) {
    for (State state : AllStates()) {
      if (!fsm::IsTerminal(state)) continue;
      for (Role role : kRoles) {
        std::vector<Action> actions = fsm::ActionsFor(state, service, role);
        if (state == s::STATE_UNFILLED && role == s::ROLE_BORROWER) {
          EXPECT_THAT(actions,
                      UnorderedElementsAreArray({s::ACTION_REREQUEST}));
        } else {
          EXPECT_TRUE(actions.empty()) << fsm::StateName(state);
        }
      }
    }
  }
}

TEST(RequestFsmTest, Names) {
  EXPECT_EQ(fsm::StateName(s::STATE_SENT_TO_LENDER), "SENT_TO_LENDER");
  EXPECT_EQ(fsm::StateName(s::STATE_WILL_SUPPLY), "WILL_SUPPLY");
  EXPECT_EQ(fsm::StateName(s::STATE_CANCEL_PENDING), "CANCEL_PENDING");
  EXPECT_EQ(fsm::StateName(s::STATE_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(fsm::StateName(static_cast<State>(99)), "UNKNOWN");
  EXPECT_EQ(fsm::ActionName(s::ACTION_WILL_SUPPLY), "WILL_SUPPLY");
  EXPECT_EQ(fsm::ActionName(s::ACTION_REQUEST_RENEWAL), "REQUEST_RENEWAL");
  EXPECT_EQ(fsm::RoleName(s::ROLE_LENDER), "LENDER");
  EXPECT_EQ(fsm::RoleName(s::ROLE_BORROWER), "BORROWER");
  EXPECT_EQ(fsm::ReasonName(s::REASON_ROTA_EXHAUSTED), "ROTA_EXHAUSTED");
  EXPECT_EQ(fsm::ReasonName(s::REASON_NOT_ON_SHELF), "NOT_ON_SHELF");
  // Every valid state and action has a distinct, prefix-free name.
  std::set<std::string> names;
  for (State state : AllStates()) {
    std::string name(fsm::StateName(state));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find("STATE_"), std::string::npos);
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  names.clear();
  for (Action action : AllActions()) {
    std::string name(fsm::ActionName(action));
    EXPECT_EQ(name.find("ACTION_"), std::string::npos);
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(RequestFsmTest, Iso18626StatusForEachState) {
  struct Row {
    State state;
    const char* loan;
    const char* copy;
  };
  const Row rows[] = {
      {s::STATE_UNSPECIFIED, "", ""},
      {s::STATE_SUBMITTED, "", ""},
      {s::STATE_ROUTING, "", ""},
      {s::STATE_SENT_TO_LENDER, "RequestReceived", "RequestReceived"},
      {s::STATE_WILL_SUPPLY, "WillSupply", "WillSupply"},
      {s::STATE_SHIPPED, "Loaned", "CopyCompleted"},
      {s::STATE_RECEIVED, "Loaned", "Loaned"},
      {s::STATE_ON_LOAN, "Loaned", "Loaned"},
      {s::STATE_RENEWAL_REQUESTED, "Loaned", "Loaned"},
      {s::STATE_OVERDUE, "Overdue", "Overdue"},
      {s::STATE_RECALLED, "Recalled", "Recalled"},
      {s::STATE_RETURN_SHIPPED, "Loaned", "Loaned"},
      {s::STATE_COMPLETE, "LoanCompleted", "CopyCompleted"},
      {s::STATE_UNFILLED, "Unfilled", "Unfilled"},
      {s::STATE_CANCEL_PENDING, "RequestReceived", "RequestReceived"},
      {s::STATE_CANCELLED, "Cancelled", "Cancelled"},
      {s::STATE_LOST, "CompletedWithoutReturn", "CompletedWithoutReturn"},
  };
  ASSERT_EQ(std::size(rows), AllStates().size());
  for (const Row& row : rows) {
    EXPECT_EQ(fsm::Iso18626Status(row.state, s::SERVICE_TYPE_LOAN), row.loan)
        << fsm::StateName(row.state);
    EXPECT_EQ(fsm::Iso18626Status(row.state, s::SERVICE_TYPE_COPY), row.copy)
        << fsm::StateName(row.state);
  }
}

TEST(RequestFsmTest, Iso18626ActionNamesEveryAction) {
  EXPECT_EQ(fsm::Iso18626Action(s::ACTION_WILL_SUPPLY),
            "SupplyingAgencyMessage/WillSupply");
  EXPECT_EQ(fsm::Iso18626Action(s::ACTION_RECEIVE),
            "RequestingAgencyMessage/Received");
  EXPECT_EQ(fsm::Iso18626Action(s::ACTION_UNSPECIFIED), "");
  for (Action action : AllActions()) {
    if (action == s::ACTION_UNSPECIFIED) continue;
    EXPECT_FALSE(fsm::Iso18626Action(action).empty())
        << fsm::ActionName(action);
  }
}

TEST(RequestFsmTest, UnfilledAndRetryReasonsPartitionLenderReasons) {
  const std::set<s::Reason> unfilled = {
      s::REASON_NON_CIRCULATING, s::REASON_NOT_AVAILABLE_FOR_ILL,
      s::REASON_NOT_HELD,        s::REASON_NOT_ON_SHELF,
      s::REASON_POLICY_PROBLEM,  s::REASON_POOR_CONDITION};
  const std::set<s::Reason> retry = {
      s::REASON_ON_LOAN, s::REASON_AT_BINDERY, s::REASON_COST_EXCEEDS_MAX,
      s::REASON_NOT_FOUND_AS_CITED, s::REASON_DELIVERY_DATE_NOT_POSSIBLE};
  int seen = 0;
  for (int i = s::Reason_MIN; i <= s::Reason_MAX; ++i) {
    if (!s::Reason_IsValid(i)) continue;
    ++seen;
    auto reason = static_cast<s::Reason>(i);
    SCOPED_TRACE(std::string(fsm::ReasonName(reason)));
    EXPECT_EQ(fsm::IsUnfilledReason(reason), unfilled.count(reason) == 1);
    EXPECT_EQ(fsm::IsRetryReason(reason), retry.count(reason) == 1);
    EXPECT_FALSE(fsm::IsUnfilledReason(reason) && fsm::IsRetryReason(reason));
  }
  EXPECT_EQ(seen, 16);
  // System reasons are neither.
  for (s::Reason r :
       {s::REASON_UNSPECIFIED, s::REASON_DEADLINE_PASSED, s::REASON_NO_HOLDERS,
        s::REASON_ROTA_EXHAUSTED, s::REASON_PATRON_REQUEST}) {
    EXPECT_FALSE(fsm::IsUnfilledReason(r));
    EXPECT_FALSE(fsm::IsRetryReason(r));
  }
}

}  // namespace
}  // namespace silang
