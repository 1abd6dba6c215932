// One read of a process's /proc files per event: the ProcessSnapshot that
// attribution, the owner's holder details and the action policy all take.
// Takes a root path so tests point it at tests/fixtures/attribute/proc. Best
// effort: an unreadable environ degrades (environ_readable = false), a
// vanished or reused pid gives nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

struct SnapshotOptions {
  // environ, fd/1 and the ancestors: what attribute() needs beyond the
  // process itself (the action policy does not).
  bool for_attribution = true;
  // The event's CLOCK_BOOTTIME: a process started after it is not the one
  // that made the event (see started_by in proc/proc_reader.hpp). 0: unknown.
  std::uint64_t boot_ns = 0;
};

// stat (ppid, comm, state, flags, start time), status (Uid, NSpid, SigIgn),
// cmdline, exe, cwd, cgroup, and for attribution environ, fd/1 and the
// ancestors up to pid 1 (at most 64, stopping on loops). Each file is read
// once. A zombie gives a snapshot with `exited` set and without its environ
// or ancestors: it is not attributed as live. nullopt when the process is gone, its status has no
// Uid, its start time changed while reading (pid reused), or it started
// after options.boot_ns.
[[nodiscard]] std::optional<ProcessSnapshot> read_snapshot(std::uint32_t pid,
                                                           const std::string& proc_root = "/proc",
                                                           const SnapshotOptions& options = {});

}  // namespace bindtrace
