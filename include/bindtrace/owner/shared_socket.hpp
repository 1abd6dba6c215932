// Processes that share one socket. A server that forks after listen() (nginx's
// workers, gunicorn's and uvicorn's prefork workers, a daemon's child) holds the
// listening socket in every process; the listener index names only the one
// that called listen(). These find the others and say who forked whom.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

// "main", "worker"; "sole" for a holder that shares with nobody.
[[nodiscard]] std::string_view holder_role_name(HolderRole role) noexcept;

// Gives each holder its role from the parent pids (Holder::ppid) and orders
// them: main processes first, then workers, each by pid. A holder whose parent
// holds the same socket (Holder::inode) is a worker; one with workers below it
// is main; any other holder is sole. Pure.
void order_holders_by_role(std::vector<Holder>& holders);

// The members of the cgroup v2 directory `cgroup` (the path /proc/PID/cgroup
// shows) under the cgroup2 mount `cgroup2_root`: workers stay in their main
// process's cgroup, so this is where they are looked for. nullopt when the
// list cannot be read.
[[nodiscard]] std::optional<std::vector<std::uint32_t>> cgroup_members(const std::string& cgroup2_root,
                                                                       std::string_view cgroup);

}  // namespace bindtrace
