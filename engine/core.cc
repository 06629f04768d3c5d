#include "engine/core.h"

#include "engine/status_macros.h"

namespace silang {

absl::StatusOr<std::unique_ptr<Core>> Core::Open(const std::string& dir,
                                                 const Clock& clock,
                                                 EngineOptions options) {
  auto core = std::make_unique<Core>();
  Store::Options store_options;
  store_options.dir = dir;
  store_options.on_synced_write = options.on_synced_write;
  store_options.on_wal_sync = options.on_wal_sync;
  store_options.max_open_files = options.max_open_files;
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
