// silangctl: the command-line client of silangd.
//
//   silangctl [--server HOST:PORT] [--as LIBRARY] [--json] SUBCOMMAND ...
//
// Exit status: 0 on success; 1 for a usage error found by CLI11 or by
// silangctl itself; 2 when the server (or the connection to it) fails the
// call, after "silangctl: <CODE>: <message>" on stderr.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "tools/silangctl/catalog_cmd.h"
#include "tools/silangctl/commands.h"
#include "tools/silangctl/session.h"

namespace {

using silang::ctl::GlobalOptions;

constexpr char kDefaultServer[] = "127.0.0.1:7420";

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  options.server = kDefaultServer;
  app.add_option("--server", options.server, "silangd address")
      ->envname("SILANG_SERVER")
      ->capture_default_str()
      ->type_name("HOST:PORT");
  app.add_option("--timeout", options.timeout_seconds, "Deadline of every call")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->type_name("SECONDS");
  app.add_flag("--json", options.json, "Print the reply as one JSON document");
  app.add_option("--as", options.actor,
                 "The acting library, for actions that need one")
      ->envname("SILANG_LIBRARY")
      ->type_name("LIBRARY_ID");
  app.add_option("--tls-ca", options.tls_ca,
                 "Use TLS, trusting this PEM root certificate")
      ->type_name("FILE");
  app.add_option("--token", options.token,
                 "Send \"authorization: Bearer TOKEN\" with every call")
      ->envname("SILANG_TOKEN")
      ->type_name("TOKEN");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Command-line client of silangd, the Silang interlibrary-loan "
      "router.",
      "silangctl");
  app.fallthrough();  // global options may follow the subcommand
  app.footer(
      "Global options may also follow the subcommand. "
      "SUBCOMMAND --help shows its own options.\n"
      "Exit status: 0 done, 1 usage error, 2 refused by the server or "
      "unreachable.");
  app.require_subcommand(1);
  GlobalOptions options;
  AddGlobalOptions(app, options);

  silang::ctl::Runner run;
  silang::ctl::AddLibrarianCommands(app, &run);
  silang::ctl::AddAgentCommands(app, &run);
  silang::ctl::AddDirectoryCommands(app, &run);
  silang::ctl::AddHoldingsCommands(app, &run);
  silang::ctl::AddCatalogCommands(app, &run);
  silang::ctl::AddAdminCommands(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? EXIT_SUCCESS : 1;  // --help exits 0
  }

  auto session = silang::ctl::Session::Open(options);
  const absl::Status status = session.ok() ? run(**session) : session.status();
  if (status.ok()) return EXIT_SUCCESS;
  if (silang::ctl::IsUsageError(status)) {
    std::cerr << "silangctl: " << status.message() << "\n";
    return 1;
  }
  std::cerr << "silangctl: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 2;
}
