// AgentStreams: silang-bench's stand-in for a network's library agents.
// Each library agent holds one AgentService.SubscribeTasks stream to
// silangd on its own connection for as long as it runs; a national network
// has 180,000 of them. This holds n such streams (one per library, each on
// its own channel) through the benchmark's phases, reading and counting
// the task events silangd sends, so the phases measure a core that also
// feeds its agents, and silangd's memory includes their connections.
#ifndef SILANG_TOOLS_BENCH_AGENT_STREAMS_H_
#define SILANG_TOOLS_BENCH_AGENT_STREAMS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/bench/driver.h"

namespace silang::bench {

class AgentStreams {
 public:
  // Subscribes as each of `libraries` from the start of its feed, with
  // `token` (an admin's may subscribe for any library), and waits up to
  // `wait` until silangd has accepted every stream.
  static absl::StatusOr<std::unique_ptr<AgentStreams>> Open(
      const std::string& target, const std::string& token,
      const std::vector<std::string>& libraries, absl::Duration wait);
  // Cancels every stream and waits until gRPC has finished with each.
  ~AgentStreams();

  int64_t events() const { return events_.load(); }

 private:
  class Stream;
  AgentStreams() = default;

  std::unique_ptr<Connection> conn_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::atomic<int64_t> events_{0};
  absl::Mutex mu_;
  int accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace silang::bench

#endif  // SILANG_TOOLS_BENCH_AGENT_STREAMS_H_
