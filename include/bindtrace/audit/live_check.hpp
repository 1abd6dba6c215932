// What is running now on the ports the definitions declare: each declaration
// whose own service holds its port is marked running, and a holder that no
// declaration explains becomes a claimant of its own, so the conflict rules
// weigh it like any other (docs/audit.md "Running now").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/attribute.hpp"
#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

// One process holding a listening (TCP) or bound (UDP) socket now, as the
// owner stage names it. Workers of a holder that already holds the socket
// are left out by the caller.
struct LiveListener {
  Proto proto = Proto::tcp;
  std::string address;  // "0.0.0.0", "::", "127.0.0.1" ...
  std::uint16_t port = 0;
  std::uint32_t pid = 0;
  std::string comm;
  std::string cmdline;             // argv joined with blanks
  std::optional<Service> service;  // attribution; nullopt when the process could not be read
};

// Is `listener` the running form of `declaration`: the same port, protocol and
// overlapping address, and the same unit, program, quadlet or container, or
// (for a daemon's own configuration or a file named on the command line) the
// same program.
[[nodiscard]] bool runs_declaration(const PortDeclaration& declaration, const LiveListener& listener);

// Sets `running_pid` on every declaration a listener runs, and returns one
// declaration (file "", source "listening now", running_pid set) for each
// listener on a declared port that runs none of the declarations there.
[[nodiscard]] std::vector<PortDeclaration> join_live(std::vector<PortDeclaration>& declarations,
                                                     const std::vector<LiveListener>& listeners);

}  // namespace bindtrace
