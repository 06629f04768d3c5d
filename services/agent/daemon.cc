#include "services/agent/daemon.h"

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/ascii.h"
#include "grpcpp/grpcpp.h"
#include "services/agent/local_service.h"
#include "spdlog/spdlog.h"

namespace silang::agent {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// A port file appears whole or not at all.
void WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int RunDaemon(DaemonOptions options) {
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  options.agent.backoff.max = absl::Seconds(options.max_backoff_seconds);
  if (!options.token_file.empty()) {
    std::ifstream in(options.token_file);
    std::string token;
    if (!std::getline(in, token)) {
      spdlog::critical("cannot read --token-file {}", options.token_file);
      return 1;
    }
    options.agent.core.token = std::string(absl::StripAsciiWhitespace(token));
  }
  SystemClock clock;
  auto agent = Agent::Open(options.agent, clock);
  if (!agent.ok()) {
    spdlog::critical("cannot open the agent: {}", agent.status().ToString());
    return 1;
  }
  LocalService service(**agent);
  grpc::ServerBuilder builder;
  int port = 0;
  // The staff port has no credentials: keep it on localhost unless the
  // operator binds it elsewhere on purpose.
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    spdlog::critical("cannot listen on {}", options.listen);
    return 1;
  }
  (*agent)->Start();
  if (!options.port_file.empty()) WritePortFile(options.port_file, port);
  spdlog::info(
      "silang-agent for {} on port {}, core {}{}{}", options.agent.library_id,
      port, options.agent.core.address,
      options.agent.core.tls_ca_file.empty() ? " (plaintext)" : " (TLS)",
      options.agent.auto_respond ? ", auto-responding" : "");

  sigset_t set = StopSignals();
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: stopping", sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  (*agent)->Stop();
  agent->reset();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace silang::agent
