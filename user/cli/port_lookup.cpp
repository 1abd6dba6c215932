// How `who` and `check` look a port up: sock_diag first (no BPF object to
// load for one question), the holders through a running agent's pinned
// holder walk when there is one, else the /proc fd scan; and saying which.
#include "bindtrace/format/json_writer.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "cli/commands.hpp"

namespace bindtrace {

ResolverOptions port_lookup_options(const CliRequest& request) {
  ResolverOptions options;
  options.force = request.owner_path;
  options.prefer_sock_diag = true;
  options.agent_pin_dir = request.pin_dir;
  return options;
}

void write_holders_from(JsonWriter& w, const OwnerResolver& resolver) {
  if (resolver.holders_from().empty()) return;
  w.member("holders_from", resolver.holders_from());
  if (!resolver.agent_pins_unused().empty()) w.member("agent_pins", resolver.agent_pins_unused());
}

}  // namespace bindtrace
