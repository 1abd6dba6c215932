// What the action policy must know about a process before it may stop it,
// read from a /proc tree (a root path, so tests use fixtures). The policy
// itself (actions/policy.hpp) only looks at these values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/proc/proc_reader.hpp"  // stat_number_field

namespace bindtrace {

struct ProcessFacts {
  std::uint32_t pid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t uid = 0;
  std::uint64_t start_time = 0;  // /proc/PID/stat field 22
  std::uint64_t flags = 0;       // /proc/PID/stat field 9 (PF_* task flags)
  std::string comm;
  std::string exe;                // /proc/PID/exe target; empty for kernel threads
  std::vector<std::string> argv;  // empty for kernel threads
};

// PF_KTHREAD (include/linux/sched.h), or a child of kthreadd (pid 2), or
// kthreadd itself, or no command line and no executable at all.
[[nodiscard]] bool is_kernel_thread(const ProcessFacts& facts) noexcept;

// nullopt when the process is gone (or a zombie: nothing left to stop).
[[nodiscard]] std::optional<ProcessFacts> read_process_facts(std::uint32_t pid,
                                                             const std::string& proc_root = "/proc");


}  // namespace bindtrace
