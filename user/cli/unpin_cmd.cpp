// `bindtrace unpin`: detach the agent's pinned programs and drop the flight
// recorder (before uninstalling, or to start the agent from scratch).
#include <cstdio>

#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/recorder.hpp"
#include "cli/commands.hpp"

namespace bindtrace {

int run_unpin(const CliRequest& request) {
  const std::size_t removed = remove_pins(request.pin_dir);
  if (removed == 0) std::fprintf(stderr, "bindtrace: nothing pinned in %s\n", request.pin_dir.c_str());
  else std::fprintf(stderr, "bindtrace: removed %zu pinned objects from %s (programs detached)\n", removed,
                    request.pin_dir.c_str());
  return 0;
}

}  // namespace bindtrace
