// The `silang-agent run` process: opens the Agent on its data directory,
// serves the local staff port, dials the core, and on SIGTERM or SIGINT
// stops taking staff calls, cancels the task stream and closes the store.
// Anything acknowledged to staff is already on disk, so SIGKILL loses
// nothing either.
#ifndef SILANG_SERVICES_AGENT_DAEMON_H_
#define SILANG_SERVICES_AGENT_DAEMON_H_

#include <string>

#include "services/agent/agent.h"

namespace silang::agent {

struct DaemonOptions {
  AgentOptions agent;
  std::string listen = "127.0.0.1:7421";  // the staff port; port 0 picks one
  std::string port_file;                  // written once serving, for scripts
  std::string token_file;                 // read the core credential from here
  std::string log_level = "info";
  double max_backoff_seconds = 30;  // sets agent.backoff.max
};

// Blocks the stop signals; call first thing in main(), before any thread.
void BlockStopSignals();

// Runs until a stop signal; returns the process exit status.
int RunDaemon(DaemonOptions options);

}  // namespace silang::agent

#endif  // SILANG_SERVICES_AGENT_DAEMON_H_
