// Directory subcommands: `library` and `partnership`, each with put, get
// and list. Reads go to DirectoryService, writes to AdminService.
#include <memory>
#include <vector>

#include "absl/strings/str_split.h"
#include "engine/status_macros.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

using Directory = v1::DirectoryService::Stub;
using Admin = v1::AdminService::Stub;

// The version a Put sends: --expected-version if given, else the current
// record's, or 0 (create) when there is none.
template <typename Req, typename Resp>
absl::StatusOr<uint64_t> PutVersion(
    Session& s, const std::optional<uint64_t>& flag,
    grpc::Status (Directory::*get)(grpc::ClientContext*, const Req&, Resp*),
    const Req& request) {
  if (flag.has_value()) return *flag;
  Resp current;
  absl::Status status = s.Call(s.directory(), get, request, &current);
  if (absl::IsNotFound(status)) return 0;
  if (!status.ok()) return status;
  NoteVersion(current.version());
  return current.version();
}

// "FROM:TO[:reason]", both days YYYY-MM-DD.
std::optional<v1::Closure> ParseClosure(const std::string& text) {
  std::vector<std::string> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 2));
  if (parts.size() < 2 || !IsDay(parts[0]) || !IsDay(parts[1])) {
    return std::nullopt;
  }
  v1::Closure closure;
  closure.set_from_date(parts[0]);
  closure.set_to_date(parts[1]);
  if (parts.size() == 3) closure.set_reason(parts[2]);
  return closure;
}

// Policy enums arrive from CLI11 as vectors; the proto wants them repeated.
template <typename E>
void SetEnums(const std::vector<E>& values,
              google::protobuf::RepeatedField<int>* out) {
  for (E value : values) out->Add(value);
}

struct LibraryFlags {
  std::string id;
  std::string name;
  double lat = 0;
  double lon = 0;
  std::string province;
  std::string regency;
  std::string island;
  std::string time_zone;
  std::vector<v1::ServiceType> services;
  std::vector<v1::MaterialType> materials;
  int loan_days = 0;
  int max_loans = 0;
  int days_to_respond = 0;
  bool last_resort = false;
  bool suspended = false;
  std::vector<std::string> closures;
  std::optional<uint64_t> version;
};

v1::Library ToLibrary(const LibraryFlags& f) {
  v1::Library l;
  l.set_id(f.id);
  l.set_name(f.name);
  l.set_lat(f.lat);
  l.set_lon(f.lon);
  l.set_province(f.province);
  l.set_regency(f.regency);
  l.set_island(f.island);
  l.set_time_zone(f.time_zone);
  l.set_status(f.suspended ? v1::LIBRARY_STATUS_SUSPENDED
                           : v1::LIBRARY_STATUS_ACTIVE);
  for (const std::string& text : f.closures) {
    *l.add_closures() = *ParseClosure(text);  // CLI11 checked the syntax
  }
  v1::LendingPolicy& p = *l.mutable_policy();
  SetEnums(f.services, p.mutable_services());
  SetEnums(f.materials, p.mutable_material_types());
  p.set_loan_period_days(f.loan_days);
  p.set_max_concurrent_loans(f.max_loans);
  p.set_days_to_respond(f.days_to_respond);
  l.set_lender_of_last_resort(f.last_resort);
  return l;
}

absl::Status PutLibrary(Session& s, const LibraryFlags& f) {
  v1::PutLibraryRequest request;
  *request.mutable_library() = ToLibrary(f);
  v1::GetLibraryRequest get;
  get.set_library_id(f.id);
  ASSIGN_OR_RETURN(const uint64_t version,
                   PutVersion(s, f.version, &Directory::GetLibrary, get));
  request.set_expected_version(version);
  return CallAndEmit(s, s.admin(), &Admin::PutLibrary, request, LibraryDetail);
}

void AddLibraryPut(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand(
      "put", "Create or replace a library (flags not given are cleared)");
  auto f = std::make_shared<LibraryFlags>();
  cmd->add_option("--id", f->id, "Library id, e.g. JKT-PUSNAS")->required();
  cmd->add_option("--name", f->name, "Name")->required();
  cmd->add_option("--lat", f->lat, "Latitude")->required();
  cmd->add_option("--lon", f->lon, "Longitude")->required();
  cmd->add_option("--province", f->province, "Province");
  cmd->add_option("--regency", f->regency, "Regency or city");
  cmd->add_option("--island", f->island, "Island");
  cmd->add_option("--tz", f->time_zone,
                  "Time zone: WIB, WITA, WIT or an IANA name");
  cmd->add_option("--services", f->services, "What it lends, e.g. loan,copy")
      ->transform(EnumName<v1::ServiceType>())
      ->delimiter(',')
      ->type_name("SERVICE");
  cmd->add_option("--materials", f->materials,
                  "Material types it lends (default: all)")
      ->transform(EnumName<v1::MaterialType>())
      ->delimiter(',')
      ->type_name("TYPE");
  cmd->add_option("--loan-days", f->loan_days,
                  "Loan period in days (default: the network's)");
  cmd->add_option("--max-loans", f->max_loans,
                  "Most loans out at once (default: no limit)");
  cmd->add_option("--days-to-respond", f->days_to_respond,
                  "Business days to answer (default: the network's)");
  cmd->add_flag("--last-resort", f->last_resort,
                "Lender of last resort: asked after everyone else");
  cmd->add_flag("--suspended", f->suspended, "Suspended: asked for nothing");
  cmd->add_option("--closure", f->closures,
                  "Closed period, both days inclusive (repeatable)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return ParseClosure(v) ? "" : "want FROM:TO[:reason]: " + v;
          },
          ""))
      ->type_name("FROM:TO[:REASON]");
  AddVersionFlag(cmd, &f->version);
  OnRun(cmd, run, [f](Session& s) { return PutLibrary(s, *f); });
}

void AddLibrary(CLI::App& app, Runner* run) {
  CLI::App* library = app.add_subcommand("library", "Member libraries");
  library->group(kDirectory)->require_subcommand(1);
  AddLibraryPut(library, run);

  CLI::App* get = library->add_subcommand("get", "Show one library");
  auto id = std::make_shared<std::string>();
  get->add_option("ID", *id, "Library id")->required();
  OnRun(get, run, [id](Session& s) {
    v1::GetLibraryRequest request;
    request.set_library_id(*id);
    return CallAndEmit(s, s.directory(), &Directory::GetLibrary, request,
                       LibraryDetail);
  });

  CLI::App* list = library->add_subcommand("list", "List libraries");
  auto province = std::make_shared<std::string>();
  auto page = std::make_shared<PageFlags>();
  list->add_option("--province", *province, "Only this province");
  AddPageFlags(list, page.get());
  OnRun(list, run, [province, page](Session& s) -> absl::Status {
    v1::ListLibrariesRequest request;
    request.set_province(*province);
    v1::ListLibrariesResponse reply;
    RETURN_IF_ERROR(FetchPages(s, s.directory(), &Directory::ListLibraries,
                               request, *page, &reply));
    EmitPage(s, reply, Lines(reply.libraries(), LibraryLine));
    return absl::OkStatus();
  });
}

struct PartnershipFlags {
  std::string id;
  std::string name;
  std::vector<std::string> members;
  std::vector<v1::ServiceType> services;
  std::vector<v1::MaterialType> materials;
  std::string valid_from;
  std::string valid_until;
  int tier = 0;
  int loan_days = 0;
  bool fee = false;
  std::optional<uint64_t> version;
};

v1::Partnership ToPartnership(const PartnershipFlags& f) {
  v1::Partnership p;
  p.set_id(f.id);
  p.set_name(f.name);
  for (const std::string& member : f.members) p.add_member_ids(member);
  SetEnums(f.services, p.mutable_services());
  SetEnums(f.materials, p.mutable_material_types());
  p.set_loan_period_days(f.loan_days);
  p.set_terms(f.fee ? v1::PARTNERSHIP_TERMS_FEE
                    : v1::PARTNERSHIP_TERMS_RECIPROCAL);
  p.set_valid_from(f.valid_from);
  p.set_valid_until(f.valid_until);
  p.set_tier(f.tier);
  return p;
}

absl::Status PutPartnership(Session& s, const PartnershipFlags& f) {
  v1::PutPartnershipRequest request;
  *request.mutable_partnership() = ToPartnership(f);
  v1::GetPartnershipRequest get;
  get.set_partnership_id(f.id);
  ASSIGN_OR_RETURN(const uint64_t version,
                   PutVersion(s, f.version, &Directory::GetPartnership, get));
  request.set_expected_version(version);
  return CallAndEmit(s, s.admin(), &Admin::PutPartnership, request,
                     PartnershipLine);
}

void AddPartnershipPut(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand(
      "put", "Create or replace a partnership (flags not given are cleared)");
  auto f = std::make_shared<PartnershipFlags>();
  cmd->add_option("--id", f->id, "Partnership id")->required();
  cmd->add_option("--name", f->name, "Name")->required();
  cmd->add_option("--members", f->members, "Member library ids: A,B,C")
      ->delimiter(',')
      ->required();
  cmd->add_option("--services", f->services, "Services (default: loan,copy)")
      ->transform(EnumName<v1::ServiceType>())
      ->delimiter(',')
      ->type_name("SERVICE");
  cmd->add_option("--materials", f->materials, "Material types (default: all)")
      ->transform(EnumName<v1::MaterialType>())
      ->delimiter(',')
      ->type_name("TYPE");
  cmd->add_option("--valid-from", f->valid_from, "First day in force")
      ->check(DayText());
  cmd->add_option("--valid-until", f->valid_until, "Last day in force")
      ->check(DayText());
  cmd->add_option("--tier", f->tier, "Tier; 1 is asked first (e.g. city)");
  cmd->add_option("--loan-days", f->loan_days,
                  "Loan period in days (default: the lender's)");
  cmd->add_flag("--fee", f->fee, "Fee-based terms (default: reciprocal)");
  AddVersionFlag(cmd, &f->version);
  OnRun(cmd, run, [f](Session& s) { return PutPartnership(s, *f); });
}

void AddPartnership(CLI::App& app, Runner* run) {
  CLI::App* partnership =
      app.add_subcommand("partnership", "Lending partnerships");
  partnership->group(kDirectory)->require_subcommand(1);
  AddPartnershipPut(partnership, run);

  CLI::App* get = partnership->add_subcommand("get", "Show one partnership");
  auto id = std::make_shared<std::string>();
  get->add_option("ID", *id, "Partnership id")->required();
  OnRun(get, run, [id](Session& s) {
    v1::GetPartnershipRequest request;
    request.set_partnership_id(*id);
    return CallAndEmit(s, s.directory(), &Directory::GetPartnership, request,
                       PartnershipLine);
  });

  CLI::App* list = partnership->add_subcommand("list", "List partnerships");
  auto library = std::make_shared<std::string>();
  auto page = std::make_shared<PageFlags>();
  list->add_option("--library", *library, "Only those with this member");
  AddPageFlags(list, page.get());
  OnRun(list, run, [library, page](Session& s) -> absl::Status {
    v1::ListPartnershipsRequest request;
    request.set_library_id(*library);
    v1::ListPartnershipsResponse reply;
    RETURN_IF_ERROR(FetchPages(s, s.directory(), &Directory::ListPartnerships,
                               request, *page, &reply));
    EmitPage(s, reply, Lines(reply.partnerships(), PartnershipLine));
    return absl::OkStatus();
  });
}

}  // namespace

void AddDirectoryCommands(CLI::App& app, Runner* run) {
  AddLibrary(app, run);
  AddPartnership(app, run);
}

}  // namespace silang::ctl
