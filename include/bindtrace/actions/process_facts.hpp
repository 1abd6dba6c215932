// What the action policy must know about a process before it may stop it:
// the process's snapshot (proc/snapshot_reader.hpp) without the parts only
// attribution needs, read from a /proc tree (a root path, so tests use
// fixtures). The policy itself (actions/policy.hpp) only looks at these values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// pid, ppid, uid, start_time, flags, comm, exe, cwd and argv are what the
// policy reads.
using ProcessFacts = ProcessSnapshot;

// PF_KTHREAD (include/linux/sched.h), or a child of kthreadd (pid 2), or
// kthreadd itself, or no command line and no executable at all.
[[nodiscard]] bool is_kernel_thread(const ProcessFacts& facts) noexcept;

// nullopt when the process is gone (or a zombie: nothing left to stop).
[[nodiscard]] std::optional<ProcessFacts> read_process_facts(std::uint32_t pid,
                                                             const std::string& proc_root = "/proc");

}  // namespace bindtrace
