// Builds the ProcessSnapshot that attribute() takes from a /proc tree. Takes
// a root path so tests point it at tests/fixtures/attribute/proc. Best effort:
// an unreadable environ degrades (environ_readable = false), a vanished or
// reused pid gives nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// stat (ppid, comm, start time), status (Uid, NSpid, SigIgn), cmdline, cgroup,
// environ, fd/1, and the ancestors up to pid 1 (at most 64, stopping on loops).
// nullopt when the process is gone, or its start time changed while reading.
[[nodiscard]] std::optional<ProcessSnapshot> read_snapshot(std::uint32_t pid,
                                                           const std::string& proc_root = "/proc");

}  // namespace bindtrace
