// D1 and G1-G6 of docs/attribution.md: managers that run inside a process tree
// rather than owning a cgroup (supervisord, pm2, runit, s6, OpenRC, tmux,
// screen). The environment is inherited, so an environment signal counts only
// when an ancestor (or the cgroup) confirms it; the nearest confirmed manager wins.
#pragma once

#include <optional>
#include <string_view>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// manager, name, program/group filled; the caller adds the enclosing unit (`outer`).
// `cgroup_has_service` says the cgroup names a service unit: an unconfirmed
// environment then loses to it (the cgroup wins).
[[nodiscard]] std::optional<Service> in_process_manager_of(const ProcessSnapshot& snapshot,
                                                           std::string_view cgroup_path,
                                                           bool cgroup_has_service);

}  // namespace bindtrace
