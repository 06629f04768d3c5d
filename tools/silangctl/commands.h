// The subcommands of silangctl and the pieces they share.
//
// Each Add*Commands() registers a group of subcommands on the top-level
// app. Parsing never talks to the server: the chosen subcommand's callback
// only stores a Runner, and main() calls it afterwards with an open Session.
// A runner returns the RPC's status or a UsageError(); it prints the reply
// through Emit().
#ifndef SILANG_TOOLS_SILANGCTL_COMMANDS_H_
#define SILANG_TOOLS_SILANGCTL_COMMANDS_H_

#include <google/protobuf/descriptor.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "silang/v1/types.pb.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/session.h"

namespace silang::ctl {

using Runner = std::function<absl::Status(Session&)>;

// The help group of the library, partnership and holdings subcommands.
inline constexpr char kDirectory[] = "Directory";

// Librarian: submit, get, list, cancel, renew, rerequest.
void AddLibrarianCommands(CLI::App& app, Runner* run);
// Agent: tasks, and one subcommand per lender or borrower action.
void AddAgentCommands(CLI::App& app, Runner* run);
// Directory: library and partnership (put, get, list).
void AddDirectoryCommands(CLI::App& app, Runner* run);
// Holdings: put (one item or a CSV file) and list.
void AddHoldingsCommands(CLI::App& app, Runner* run);
// Admin: audit, run-timers, health.
void AddAdminCommands(CLI::App& app, Runner* run);

// --- Shared by the Add*Commands implementations. ---

// Makes `runner` the one main() runs when `cmd` is chosen.
void OnRun(CLI::App* cmd, Runner* run, Runner runner);

// A CLI11 transform that accepts an enum value's short name (see
// ParseEnum) and hands CLI11 its number, for an option bound to the enum
// type or a vector of it. `aliases` are further accepted names.
CLI::Validator EnumName(const google::protobuf::EnumDescriptor& type,
                        std::map<std::string, int> aliases = {});

template <typename E>
CLI::Validator EnumName(std::map<std::string, int> aliases = {}) {
  return EnumName(*google::protobuf::GetEnumDescriptor<E>(),
                  std::move(aliases));
}

// Checks ParseTime() (YYYY-MM-DD or RFC3339) and IsDay() at parse time.
CLI::Validator TimeText();
CLI::Validator DayText();

// --isbn, --issn and --record-id; at most one may be given.
struct TitleFlags {
  std::string isbn;
  std::string issn;
  std::string record_id;
};
void AddTitleFlags(CLI::App* cmd, TitleFlags* flags);
// The TitleRef named by the flags; nullopt if none was given.
std::optional<v1::TitleRef> ToTitle(const TitleFlags& flags);

// --page-size, --page-token and --all (follow next_page_token to the end).
struct PageFlags {
  int page_size = 0;
  std::string page_token;
  bool all = false;
};
void AddPageFlags(CLI::App* cmd, PageFlags* flags);
// Tells the user on stderr how to fetch the next page, if there is one.
void NoteNextPage(const std::string& next_page_token);

// Calls a List* method for the page the flags name, and with --all for
// every page after it, appending each page to `out`. `out`'s
// next_page_token is then the one after the last page fetched.
template <typename Stub, typename Req, typename Resp>
[[nodiscard]] absl::Status FetchPages(
    const Session& session, Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
    Req request, const PageFlags& page, Resp* out) {
  request.set_page_size(page.page_size);
  request.set_page_token(page.page_token);
  while (true) {
    Resp reply;
    absl::Status status = session.Call(stub, method, request, &reply);
    if (!status.ok()) return status;
    out->MergeFrom(reply);
    out->set_next_page_token(reply.next_page_token());
    if (!page.all || reply.next_page_token().empty()) return absl::OkStatus();
    request.set_page_token(reply.next_page_token());
  }
}

// Prints a fetched list: `lines` (or the JSON of `reply`), then the hint
// for its next page.
template <typename Resp>
void EmitPage(const Session& session, const Resp& reply,
              const std::string& lines) {
  Emit(reply, session.options().json, lines);
  NoteNextPage(reply.next_page_token());
}

// The usual body of a subcommand: one call, then print the reply as
// `human(reply)` (or JSON).
template <typename Stub, typename Req, typename Resp>
[[nodiscard]] absl::Status CallAndEmit(
    const Session& session, Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
    const Req& request, std::string (*human)(const Resp&)) {
  Resp reply;
  absl::Status status = session.Call(stub, method, request, &reply);
  if (status.ok()) Emit(reply, session.options().json, human(reply));
  return status;
}

// --expected-version N for mutating calls.
void AddVersionFlag(CLI::App* cmd, std::optional<uint64_t>* version);

// `flag` if set; otherwise the request's current version, fetched with
// GetRequest and announced on stderr. (Retrying an action with the same
// idempotency --key is safe whatever version it carries: the server
// recognizes an applied action by its intent.)
absl::StatusOr<uint64_t> RequestVersion(Session& session,
                                        const std::string& request_id,
                                        const std::optional<uint64_t>& flag);

// Announces on stderr the version a call will send when none was given.
void NoteVersion(uint64_t version);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_COMMANDS_H_
