// --act stop-owner, the acting part: SIGTERM through a pidfd (immune to pid
// reuse once opened; the start time the owner lookup saw is checked against
// the process the pidfd names), up to `grace` for every target to exit,
// SIGKILL for the rest. Who may be stopped is decided before, by the policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bindtrace {

struct StopTarget {
  std::uint32_t pid = 0;
  std::uint64_t start_time = 0;  // 0: not known, not checked
  std::string comm;
};

struct StopOutcome {
  // "stopped" (all exited after SIGTERM), "killed" (SIGKILL was needed),
  // "still-running" (alive after SIGKILL and kill_wait), "failed: ...".
  std::string result;
  std::string signal;  // the last signal sent: "SIGTERM", "SIGKILL", "" for none
  std::uint64_t elapsed_ms = 0;
};

[[nodiscard]] StopOutcome stop_processes(const std::vector<StopTarget>& targets,
                                         std::chrono::milliseconds grace,
                                         std::chrono::milliseconds kill_wait = std::chrono::seconds(5),
                                         const std::string& proc_root = "/proc");

}  // namespace bindtrace
