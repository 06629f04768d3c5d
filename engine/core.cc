#include "engine/core.h"

#include "engine/status_macros.h"

namespace silang {

absl::StatusOr<std::unique_ptr<Core>> Core::Open(const std::string& dir,
                                                 const Clock& clock,
                                                 EngineOptions options) {
  auto core = std::make_unique<Core>();
  Store::Options store_options = options.store;
  store_options.dir = dir;
  ASSIGN_OR_RETURN(core->store, Store::Open(store_options));
  core->directory = std::make_unique<Directory>(*core->store, clock);
  core->credentials =
      std::make_unique<Credentials>(*core->store, *core->directory, clock);
  ASSIGN_OR_RETURN(core->requests,
                   RequestEngine::Create(*core->store, *core->directory, clock,
                                         std::move(options)));
  return core;
}

}  // namespace silang
