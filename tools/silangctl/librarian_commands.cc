// The borrowing librarian's subcommands: LibrarianService.
#include <iostream>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/status_macros.h"
#include "tools/silangctl/names.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/format.h"

namespace silang::ctl {
namespace {

using Librarian = v1::LibrarianService::Stub;

constexpr char kLibrarian[] = "Librarian";

struct SubmitFlags {
  std::string borrower;
  std::string patron;
  TitleFlags title;
  v1::Bibliographic bib;
  bool copy = false;
  bool rush = false;
  std::string pickup;
  v1::MaterialType material = v1::MATERIAL_TYPE_UNSPECIFIED;
  std::string note;
  std::string key;
};

// 128 random bits: unique per borrower without coordination.
std::string NewIdempotencyKey() {
  std::random_device random;
  std::uniform_int_distribution<uint64_t> bits;
  return absl::StrFormat("%016x%016x", bits(random), bits(random));
}

absl::Status Submit(Session& session, const SubmitFlags& f) {
  std::optional<v1::TitleRef> title = ToTitle(f.title);
  if (!title.has_value()) {
    return UsageError(
        "submit: name the title with --isbn, --issn or --record-id");
  }
  const std::string& borrower =
      f.borrower.empty() ? session.options().actor : f.borrower;
  if (borrower.empty()) return UsageError("submit: --borrower is required");

  v1::SubmitRequestRequest request;
  request.set_idempotency_key(f.key);
  if (f.key.empty()) {
    request.set_idempotency_key(NewIdempotencyKey());
    std::cerr << "silangctl: idempotency key " << request.idempotency_key()
              << " (pass --key " << request.idempotency_key()
              << " to retry safely)\n";
  }
  request.set_borrower_library_id(borrower);
  request.set_pickup_library_id(f.pickup);
  request.set_patron_ref(f.patron);
  *request.mutable_title() = *title;
  *request.mutable_bib() = f.bib;
  request.set_service_type(f.copy ? v1::SERVICE_TYPE_COPY
                                  : v1::SERVICE_TYPE_LOAN);
  request.set_service_level(f.rush ? v1::SERVICE_LEVEL_RUSH
                                   : v1::SERVICE_LEVEL_NORMAL);
  request.set_material_type(f.material);
  request.set_note(f.note);

  v1::SubmitRequestResponse reply;
  RETURN_IF_ERROR(session.Call(session.librarian(), &Librarian::SubmitRequest,
                               request, &reply));
  Emit(reply, session.options().json,
       (reply.created() ? "created " : "already submitted ") +
           RequestLine(reply.request()));
  return absl::OkStatus();
}

void AddSubmit(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand("submit", "Request a title for a patron");
  cmd->group(kLibrarian);
  auto f = std::make_shared<SubmitFlags>();
  cmd->add_option("--borrower", f->borrower,
                  "Borrowing library (default: --as)")
      ->type_name("LIB");
  cmd->add_option("--patron", f->patron,
                  "Patron reference, opaque (never a name or contact)")
      ->required()
      ->type_name("REF");
  AddTitleFlags(cmd, &f->title);
  cmd->add_option_function<std::string>(
      "--title", [f](const std::string& v) { f->bib.set_title(v); }, "Title");
  cmd->add_option_function<std::string>(
      "--author", [f](const std::string& v) { f->bib.set_author(v); },
      "Author");
  cmd->add_option_function<std::string>(
      "--year", [f](const std::string& v) { f->bib.set_year(v); },
      "Year of publication");
  cmd->add_flag("--copy", f->copy, "A non-returnable copy instead of a loan");
  cmd->add_flag("--rush", f->rush, "Rush service");
  cmd->add_option("--pickup", f->pickup,
                  "Pickup library (default: the borrower)")
      ->type_name("LIB");
  cmd->add_option("--material", f->material, "Material type")
      ->transform(EnumName<v1::MaterialType>())
      ->type_name("TYPE");
  cmd->add_option("--note", f->note, "Note to lenders");
  cmd->add_option("--key", f->key,
                  "Idempotency key (default: a new random one, printed)");
  OnRun(cmd, run, [f](Session& s) { return Submit(s, *f); });
}

void AddGet(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand("get", "Show one request");
  cmd->group(kLibrarian);
  auto id = std::make_shared<std::string>();
  cmd->add_option("REQUEST_ID", *id, "Request id, e.g. r-42")->required();
  OnRun(cmd, run, [id](Session& s) {
    v1::GetRequestRequest request;
    request.set_request_id(*id);
    return CallAndEmit(s, s.librarian(), &Librarian::GetRequest, request,
                       RequestDetail);
  });
}

struct ListFlags {
  std::string borrower;
  std::string lender;
  std::string partnership;
  std::string after;
  std::string before;
  std::vector<v1::RequestState> states;
  PageFlags page;
};

absl::Status List(Session& s, const ListFlags& f) {
  v1::ListRequestsRequest request;
  request.set_borrower_library_id(f.borrower);
  request.set_lender_library_id(f.lender);
  request.set_partnership_id(f.partnership);
  for (v1::RequestState state : f.states) request.add_states(state);
  if (!f.after.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_created_after(), ParseTime(f.after));
    // A bare day means from its start, not from its last second.
    if (IsDay(f.after)) {
      request.mutable_created_after()->set_seconds(
          request.created_after().seconds() - 86399);
    }
  }
  if (!f.before.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_created_before(), ParseTime(f.before));
  }
  v1::ListRequestsResponse reply;
  RETURN_IF_ERROR(FetchPages(s, s.librarian(), &Librarian::ListRequests,
                             request, f.page, &reply));
  EmitPage(s, reply, Lines(reply.requests(), RequestLine));
  return absl::OkStatus();
}

void AddList(CLI::App& app, Runner* run) {
  CLI::App* cmd = app.add_subcommand(
      "list",
      "List a library's requests, as borrower or as lender (admins: any)");
  cmd->group(kLibrarian);
  auto f = std::make_shared<ListFlags>();
  CLI::Option* borrower =
      cmd->add_option("--borrower", f->borrower, "Requests this library made")
          ->type_name("LIB");
  cmd->add_option("--lender", f->lender, "Requests sent to this library")
      ->excludes(borrower)
      ->type_name("LIB");
  cmd->add_option("--partnership", f->partnership,
                  "Only requests routed under this partnership");
  cmd->add_option("--after", f->after, "Created at or after (date or RFC3339)")
      ->check(TimeText());
  cmd->add_option("--before", f->before, "Created before (date or RFC3339)")
      ->check(TimeText());
  cmd->add_option("--state", f->states, "Only these states (repeatable)")
      ->transform(EnumName<v1::RequestState>())
      ->delimiter(',')
      ->type_name("STATE");
  AddPageFlags(cmd, &f->page);
  OnRun(cmd, run, [f](Session& s) { return List(s, *f); });
}

struct MutationFlags {
  std::string request_id;
  std::optional<uint64_t> version;
  std::string note;
  v1::ServiceType service = v1::SERVICE_TYPE_UNSPECIFIED;  // rerequest only
};

// cancel, renew and rerequest: the same four fields, another method each;
// rerequest may also switch the service (a loan nobody lends, as a copy).
template <typename Req>
constexpr bool kTakesService = std::is_same_v<Req, v1::RerequestRequest>;

template <typename Req>
void AddMutation(CLI::App& app, Runner* run, const std::string& name,
                 const std::string& help,
                 grpc::Status (Librarian::*method)(grpc::ClientContext*,
                                                   const Req&, v1::Request*)) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->group(kLibrarian);
  auto f = std::make_shared<MutationFlags>();
  cmd->add_option("REQUEST_ID", f->request_id, "Request id, e.g. r-42")
      ->required();
  cmd->add_option("--note", f->note, "Note for the audit trail");
  AddVersionFlag(cmd, &f->version);
  if constexpr (kTakesService<Req>) {
    cmd->add_option("--service", f->service,
                    "Ask for this service instead (default: the same)")
        ->transform(EnumName<v1::ServiceType>())
        ->type_name("SERVICE");
  }
  OnRun(cmd, run, [f, name, method](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(const std::string actor, s.Actor(name));
    ASSIGN_OR_RETURN(const uint64_t version,
                     RequestVersion(s, f->request_id, f->version));
    Req request;
    request.set_request_id(f->request_id);
    request.set_expected_version(version);
    request.set_actor_library_id(actor);
    request.set_note(f->note);
    if constexpr (kTakesService<Req>) request.set_service_type(f->service);
    return CallAndEmit(s, s.librarian(), method, request, RequestLine);
  });
}

}  // namespace

void AddLibrarianCommands(CLI::App& app, Runner* run) {
  AddSubmit(app, run);
  AddGet(app, run);
  AddList(app, run);
  AddMutation(app, run, "cancel", "Cancel a request (borrower)",
              &Librarian::CancelRequest);
  AddMutation(app, run, "renew", "Ask the lender to renew a loan (borrower)",
              &Librarian::RenewRequest);
  AddMutation(app, run, "rerequest",
              "Route an UNFILLED request again over every holder (borrower)",
              &Librarian::Rerequest);
}

}  // namespace silang::ctl
