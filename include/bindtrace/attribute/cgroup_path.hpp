// Which cgroup paths of a process the attribution rules look at. The systemd
// rules use the one path of cgroup_path_of (attribute.hpp); container patterns
// also look at v1 hierarchies, where some runtimes on hybrid hosts only appear.
#pragma once

#include <string>
#include <vector>

namespace bindtrace {

// Every distinct path of /proc/PID/cgroup lines, " (deleted)" stripped: the
// unified (0::) path first, then the v1 paths in file order. The root "/" and
// paths outside our cgroup namespace ("/../...") are left out.
[[nodiscard]] std::vector<std::string> cgroup_paths_for_containers(
    const std::vector<std::string>& cgroup_lines);

}  // namespace bindtrace
