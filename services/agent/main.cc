// silang-agent: a member library's agent.
//
//   silang-agent run --core HOST:PORT --library ID --token-file F
//                    --data-dir DIR [--listen 127.0.0.1:7421] ...
//       the agent process (see daemon.h)
//   silang-agent [--agent HOST:PORT] [--json] SUBCOMMAND ...
//       staff subcommands against a running agent's local port
//
// Exit status: 0 on success; 1 for a usage error; 2 when the agent refuses
// the call or cannot be reached, after "silang-agent: <CODE>: <message>".
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "absl/synchronization/mutex.h"
#include "services/agent/daemon.h"
#include "services/agent/staff_commands.h"
#include "tools/silangctl/session.h"

namespace {

using silang::agent::DaemonOptions;

void AddRunCommand(CLI::App& app, DaemonOptions& o, bool& chosen) {
  CLI::App* run = app.add_subcommand("run", "Run the agent process");
  run->group("Agent process");
  run->callback([&chosen] { chosen = true; });
  auto& a = o.agent;
  run->add_option("--core", a.core.address, "silangd address")
      ->required()
      ->type_name("HOST:PORT");
  run->add_option("--library", a.library_id, "This library's id")->required();
  run->add_option("--token", a.core.token, "The library's agent credential")
      ->envname("SILANG_TOKEN");
  run->add_option("--token-file", o.token_file, "Read the credential here");
  run->add_option("--data-dir", a.data_dir, "The agent's RocksDB directory")
      ->required();
  run->add_option("--listen", o.listen,
                  "The staff port; port 0 picks a free one")
      ->capture_default_str();
  run->add_option("--port-file", o.port_file,
                  "Write the staff port here once serving");
  run->add_option("--tls-ca", a.core.tls_ca_file,
                  "Dial the core with TLS, trusting this PEM root");
  run->add_flag("--auto-respond", a.auto_respond,
                "Answer new requests: will supply if a copy is on the shelf, "
                "else unfilled (not on shelf)");
  run->add_option("--seed", a.seed, "Seed of the retry jitter")
      ->capture_default_str();
  run->add_option("--max-backoff", o.max_backoff_seconds,
                  "Longest wait between retries, seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  run->add_option("--log-level", o.log_level,
                  "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  silang::agent::BlockStopSignals();  // before any thread starts
  // Debian's abseil checks lock order on every Mutex acquisition (a global
  // graph and lock); silangd turns it off too. The tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app("silang-agent: a member library's agent for Silang",
               "silang-agent");
  app.fallthrough();
  app.require_subcommand(1);
  silang::agent::StaffOptions staff;
  app.add_option("--agent", staff.agent, "The agent's staff port")
      ->envname("SILANG_AGENT")
      ->capture_default_str()
      ->type_name("HOST:PORT");
  app.add_option("--timeout", staff.timeout_seconds, "Deadline of every call")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", staff.json, "Print the reply as one JSON document");

  DaemonOptions daemon;
  bool run_daemon = false;
  AddRunCommand(app, daemon, run_daemon);
  silang::agent::StaffRunner run;
  silang::agent::AddStaffCommands(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? EXIT_SUCCESS : 1;
  }
  if (run_daemon) return silang::agent::RunDaemon(std::move(daemon));

  silang::agent::StaffSession session(staff);
  const absl::Status status = run(session);
  if (status.ok()) return EXIT_SUCCESS;
  if (silang::ctl::IsUsageError(status)) {
    std::cerr << "silang-agent: " << status.message() << "\n";
    return 1;
  }
  std::cerr << "silang-agent: " << absl::StatusCodeToString(status.code())
            << ": " << status.message() << "\n";
  return 2;
}
