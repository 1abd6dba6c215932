// The subcommands behind run_cli; each returns the process exit code.
#pragma once

#include "bindtrace/cli.hpp"

namespace bindtrace {

int run_trace(const CliRequest& request);
int run_info(const CliRequest& request);
int run_who(const CliRequest& request);
int run_check(const CliRequest& request);

}  // namespace bindtrace
