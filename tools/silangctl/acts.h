// The lender and borrower actions as subcommands: one table shared by
// silangctl (which sends them to the core) and silang-agent (which records
// them in its outbox), so both spell every action the same way.
#ifndef SILANG_TOOLS_SILANGCTL_ACTS_H_
#define SILANG_TOOLS_SILANGCTL_ACTS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "silang/v1/agent.pb.h"
#include "silang/v1/types.pb.h"

namespace silang::ctl {

// Which fields beyond the common ones an action takes.
enum ActExtra : unsigned {
  kActNone = 0,
  kActReason = 1 << 0,    // --reason, required
  kActTracking = 1 << 1,  // --tracking, optional
  kActDue = 1 << 2,       // --due, optional
};

struct ActSpec {
  const char* name;  // the subcommand, e.g. "will-supply"
  v1::Action action;
  const char* help;
  unsigned extras;  // ActExtra bits
};

std::span<const ActSpec> ActSpecs();

// What an action subcommand was given.
struct ActFlags {
  std::string request_id;
  std::optional<uint64_t> version;
  std::string note;
  std::string key;  // silangctl only
  v1::Reason reason = v1::REASON_UNSPECIFIED;
  std::string tracking;
  std::string due;
};

// REQUEST_ID, --note, --expected-version and the spec's extras.
void AddActFlags(CLI::App* cmd, const ActSpec& spec, ActFlags* flags);

// The subcommand that performs `action`, so a task says what to type next;
// librarian actions (cancel, rerequest) fall back to the enum's name.
std::string CommandFor(v1::Action action);

// "lender r-42 v3 SENT_TO_LENDER ... | next: will-supply unfilled ...".
std::string TaskLine(const v1::Task& task);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_ACTS_H_
