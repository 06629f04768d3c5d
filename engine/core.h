// Core: the engine's objects wired together over one data directory, in
// the order they depend on each other. main() and tests build one; it owns
// everything in it. Thread-safe after Open.
#ifndef SILANG_ENGINE_CORE_H_
#define SILANG_ENGINE_CORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/clock.h"
#include "engine/credentials.h"
#include "engine/directory.h"
#include "engine/requests.h"
#include "engine/store.h"

namespace silang {

struct Core {
  // Opens the store in dir; borrows clock, which must outlive the Core.
  static absl::StatusOr<std::unique_ptr<Core>> Open(const std::string& dir,
                                                    const Clock& clock,
                                                    EngineOptions options);

  // Destroyed in reverse: engine, credentials, directory, then the store.
  std::unique_ptr<Store> store;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<Credentials> credentials;
  std::unique_ptr<RequestEngine> requests;
};

}  // namespace silang

#endif  // SILANG_ENGINE_CORE_H_
