// placeholder while the command is being written (session 2)
#include "bindtrace/errors.hpp"
#include "cli/commands.hpp"
namespace bindtrace {
int run_agent(const CliRequest&) { throw RuntimeError("agent: not built yet"); }
}  // namespace bindtrace
