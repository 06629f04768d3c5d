#include "tools/silangctl/commands.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {

void OnRun(CLI::App* cmd, Runner* run, Runner runner) {
  cmd->callback([run, runner = std::move(runner)] { *run = runner; });
}

CLI::Validator EnumName(const google::protobuf::EnumDescriptor& type,
                        std::map<std::string, int> aliases) {
  std::string choices = EnumChoices(type);
  for (const auto& [alias, number] : aliases) {
    absl::StrAppend(&choices, "|", alias);
  }
  return CLI::Validator(
      [&type, aliases = std::move(aliases)](std::string& text) -> std::string {
        std::optional<int> number = ParseEnum(type, text);
        if (!number.has_value()) {
          auto alias = aliases.find(absl::AsciiStrToLower(text));
          if (alias == aliases.end()) {
            return absl::StrCat("unknown value \"", text, "\"");
          }
          number = alias->second;
        }
        text = std::to_string(*number);
        return "";
      },
      choices);
}

CLI::Validator TimeText() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        absl::StatusOr<google::protobuf::Timestamp> time = ParseTime(text);
        return time.ok() ? "" : std::string(time.status().message());
      },
      "YYYY-MM-DD|RFC3339");
}

CLI::Validator DayText() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return IsDay(text) ? "" : "want a day as YYYY-MM-DD: " + text;
      },
      "YYYY-MM-DD");
}

void AddTitleFlags(CLI::App* cmd, TitleFlags* flags) {
  CLI::Option* isbn = cmd->add_option("--isbn", flags->isbn, "ISBN-13 or -10");
  CLI::Option* issn = cmd->add_option("--issn", flags->issn, "ISSN");
  CLI::Option* record = cmd->add_option("--record-id", flags->record_id,
                                        "Union-catalogue record id");
  isbn->excludes(issn)->excludes(record);
  issn->excludes(record);
}

std::optional<v1::TitleRef> ToTitle(const TitleFlags& flags) {
  v1::TitleRef title;
  if (!flags.isbn.empty()) {
    title.set_isbn(flags.isbn);
  } else if (!flags.issn.empty()) {
    title.set_issn(flags.issn);
  } else if (!flags.record_id.empty()) {
    title.set_record_id(flags.record_id);
  } else {
    return std::nullopt;
  }
  return title;
}

void AddPageFlags(CLI::App* cmd, PageFlags* flags) {
  cmd->add_option("--page-size", flags->page_size,
                  "Entries per page (server default if omitted)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--page-token", flags->page_token,
                  "Continue from a previous page");
  cmd->add_flag("--all", flags->all, "Fetch every page");
}

void NoteNextPage(const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  std::cerr << "silangctl: more results: --page-token " << next_page_token
            << " (or --all)\n";
}

void AddVersionFlag(CLI::App* cmd, std::optional<uint64_t>* version) {
  cmd->add_option("--expected-version", *version,
                  "Version last seen (default: the current one)");
}

absl::StatusOr<uint64_t> RequestVersion(Session& session,
                                        const std::string& request_id,
                                        const std::optional<uint64_t>& flag) {
  if (flag.has_value()) return *flag;
  v1::GetRequestRequest get;
  get.set_request_id(request_id);
  v1::Request current;
  absl::Status status =
      session.Call(session.librarian(), &v1::LibrarianService::Stub::GetRequest,
                   get, &current);
  if (!status.ok()) return status;
  NoteVersion(current.version());
  return current.version();
}

void NoteVersion(uint64_t version) {
  std::cerr << "silangctl: using current version " << version << "\n";
}

}  // namespace silang::ctl
