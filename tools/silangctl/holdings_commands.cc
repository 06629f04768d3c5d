// `holdings put` and `holdings list`: who holds which title.
#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/holdings_csv.h"

namespace silang::ctl {
namespace {

using Directory = v1::DirectoryService::Stub;

constexpr size_t kMaxPerCall = 1000;  // PutHoldingsRequest's limit

struct PutFlags {
  std::string library;
  TitleFlags title;
  std::string item;
  v1::Availability availability = v1::AVAILABILITY_UNSPECIFIED;
  std::string call_number;
  v1::MaterialType material = v1::MATERIAL_TYPE_UNSPECIFIED;
  std::string file;
  bool replace_all = false;
};

// The holdings the flags describe: the CSV file, or the one item.
absl::StatusOr<std::vector<v1::Holding>> HoldingsFromFlags(const PutFlags& f) {
  std::optional<v1::TitleRef> title = ToTitle(f.title);
  std::vector<v1::Holding> holdings;
  if (!f.file.empty()) {
    if (title.has_value() || !f.item.empty()) {
      return UsageError("holdings put: give either --file or one item");
    }
    std::ifstream in(f.file);
    if (!in) return UsageError("cannot read " + f.file);
    ASSIGN_OR_RETURN(holdings, ReadHoldingsCsv(in, f.file));
  } else {
    if (!title.has_value() || f.item.empty()) {
      return UsageError(
          "holdings put: give --file, or a title (--isbn, --issn, "
          "--record-id) and --item");
    }
    v1::Holding& holding = holdings.emplace_back();
    *holding.mutable_title() = *title;
    holding.set_item_id(f.item);
    holding.set_availability(f.availability);
    holding.set_call_number(f.call_number);
  }
  for (v1::Holding& holding : holdings) {
    holding.set_library_id(f.library);
    holding.set_material_type(f.material);
  }
  return holdings;
}

// Sends the holdings in calls of at most kMaxPerCall. --replace-all must
// go in one call, or each call would wipe out the one before.
absl::Status PutHoldings(Session& s, const PutFlags& f) {
  ASSIGN_OR_RETURN(const std::vector<v1::Holding> holdings,
                   HoldingsFromFlags(f));
  if (f.replace_all && holdings.size() > kMaxPerCall) {
    return UsageError(absl::StrCat(
        "holdings put: --replace-all sends everything in one call, at most ",
        kMaxPerCall, " holdings; ", f.file, " has ", holdings.size()));
  }
  v1::PutHoldingsResponse total;
  size_t next = 0;
  do {
    const size_t end = std::min(holdings.size(), next + kMaxPerCall);
    v1::PutHoldingsRequest request;
    request.set_library_id(f.library);
    request.set_replace_all(f.replace_all);
    for (; next < end; ++next) *request.add_holdings() = holdings[next];
    v1::PutHoldingsResponse reply;
    RETURN_IF_ERROR(
        s.Call(s.directory(), &Directory::PutHoldings, request, &reply));
    total.set_written(total.written() + reply.written());
    total.set_removed(total.removed() + reply.removed());
  } while (next < holdings.size());
  Emit(total, s.options().json,
       absl::StrCat("written ", total.written(), " removed ", total.removed()));
  return absl::OkStatus();
}

void AddPut(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand(
      "put", "Add or update a library's holdings: one item, or a CSV file");
  auto f = std::make_shared<PutFlags>();
  cmd->add_option("LIBRARY", f->library, "Holding library")->required();
  AddTitleFlags(cmd, &f->title);
  cmd->add_option("--item", f->item, "Item id or barcode");
  cmd->add_option("--available", f->availability, "Availability")
      ->transform(EnumName<v1::Availability>({{"unknown", 0}}))
      ->type_name("STATE");
  cmd->add_option("--call-number", f->call_number, "Call number");
  cmd->add_option("--material", f->material, "Material type of every item")
      ->transform(EnumName<v1::MaterialType>())
      ->type_name("TYPE");
  cmd->add_option("--file", f->file,
                  "CSV with header isbn,item_id,availability,call_number");
  cmd->add_flag("--replace-all", f->replace_all,
                "These holdings replace all of the library's others");
  OnRun(cmd, run, [f](Session& s) { return PutHoldings(s, *f); });
}

void AddList(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand("list", "Who holds a title");
  auto title = std::make_shared<TitleFlags>();
  auto page = std::make_shared<PageFlags>();
  AddTitleFlags(cmd, title.get());
  AddPageFlags(cmd, page.get());
  OnRun(cmd, run, [title, page](Session& s) -> absl::Status {
    std::optional<v1::TitleRef> ref = ToTitle(*title);
    if (!ref.has_value()) {
      return UsageError("holdings list: give --isbn, --issn or --record-id");
    }
    v1::ListHoldingsRequest request;
    *request.mutable_title() = *ref;
    v1::ListHoldingsResponse reply;
    RETURN_IF_ERROR(FetchPages(s, s.directory(), &Directory::ListHoldings,
                               request, *page, &reply));
    EmitPage(s, reply, Lines(reply.holdings(), HoldingLine));
    return absl::OkStatus();
  });
}

}  // namespace

void AddHoldingsCommands(CLI::App& app, Runner* run) {
  CLI::App* holdings = app.add_subcommand("holdings", "The union catalogue");
  holdings->group(kDirectory)->require_subcommand(1);
  AddPut(holdings, run);
  AddList(holdings, run);
}

}  // namespace silang::ctl
