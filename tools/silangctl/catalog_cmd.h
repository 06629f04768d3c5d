// `catalog import` and `catalog search`: the union catalogue.
//
//   silangctl catalog import --library ID --file F [--format marc21|marcxml|
//       csv] [--encoding marc8|utf8] [--map BRANCH=LIBRARY ...]
//       [--status STATUS=AVAILABILITY ...] [--max-rejects N]
//   silangctl catalog search (--isbn X | --issn X | --words "W ...")
//
// An import streams the file to CatalogService.ImportHoldings in chunks,
// with a progress bar on stderr when stderr is a terminal, and prints a
// summary: records, titles, holdings, rejects with their positions.
#ifndef SILANG_TOOLS_SILANGCTL_CATALOG_CMD_H_
#define SILANG_TOOLS_SILANGCTL_CATALOG_CMD_H_

#include <CLI/CLI.hpp>

#include "tools/silangctl/commands.h"

namespace silang::ctl {

void AddCatalogCommands(CLI::App& app, Runner* run);

}  // namespace silang::ctl

#endif  // SILANG_TOOLS_SILANGCTL_CATALOG_CMD_H_
