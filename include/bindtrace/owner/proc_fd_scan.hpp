// Fallback holder lookup: which processes have an fd on socket inode X, by
// scanning /proc/*/fd (what lsof and fuser do). Takes a /proc root for tests.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

struct FdScanStats {
  std::uint64_t processes = 0;  // /proc/PID directories read
  std::uint64_t vanished = 0;   // processes that exited mid-scan (skipped, counted)
  std::uint64_t denied = 0;     // fd directories we may not read
};

// Every (pid, fd) whose /proc/PID/fd/N link is "socket:[inode]" for an inode
// in `inodes`. Holders are filled with pid, fd, inode, comm, cmdline, uid,
// cgroup and start_time (read via ProcReader). Sorted by pid, then fd.
[[nodiscard]] std::vector<Holder> scan_socket_holders(const std::set<std::uint64_t>& inodes,
                                                      const std::string& proc_root = "/proc",
                                                      FdScanStats* stats = nullptr);

// The same, looking only at the processes `pids` (a cgroup's members).
[[nodiscard]] std::vector<Holder> scan_socket_holders_among(const std::vector<std::uint32_t>& pids,
                                                            const std::set<std::uint64_t>& inodes,
                                                            const std::string& proc_root = "/proc",
                                                            FdScanStats* stats = nullptr);

// "socket:[12345]" -> 12345; nullopt otherwise. Pure.
[[nodiscard]] std::optional<std::uint64_t> parse_socket_link(std::string_view link) noexcept;

}  // namespace bindtrace
