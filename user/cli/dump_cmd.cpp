// placeholder while the command is being written (session 2)
#include "bindtrace/errors.hpp"
#include "cli/commands.hpp"
namespace bindtrace {
int run_dump(const CliRequest&) { throw RuntimeError("dump: not built yet"); }
}  // namespace bindtrace
