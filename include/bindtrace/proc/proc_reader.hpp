// Cheap single-field reads of a live process from a /proc tree, for the
// enricher, the /proc fd scan and the action runner; what an event needs
// about a process as a whole comes from one read_snapshot()
// (proc/snapshot_reader.hpp). Takes a root path so tests can point it at
// tests/fixtures/. Best effort: a process may exit at any time; failures
// return nullopt and the caller counts them. The file formats are parsed by
// proc/proc_text.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "bindtrace/proc/proc_text.hpp"

namespace bindtrace {

// Nanoseconds per clock tick (USER_HZ), the unit of /proc's start times: the
// one conversion every reader of start times uses.
[[nodiscard]] std::uint64_t ns_per_clock_tick() noexcept;

// Whether a process that started at `start_ticks` (/proc/PID/stat field 22)
// existed at boot_ns (CLOCK_BOOTTIME, as the kernel stamps events): if not, it
// is not the process that made the event, its pid was reused. boot_ns 0
// (unknown) is always true. The one pid-reuse check against an event's time.
[[nodiscard]] bool started_by(std::uint64_t start_ticks, std::uint64_t boot_ns) noexcept;

class ProcReader {
 public:
  explicit ProcReader(std::string proc_root = "/proc") : root_(std::move(proc_root)) {}

  // /proc/PID/cmdline joined by spaces (see join_cmdline).
  [[nodiscard]] std::optional<std::string> cmdline(std::uint32_t pid) const;
  // The cgroup v2 path: the "0::" line, else the name=systemd v1 line.
  [[nodiscard]] std::optional<std::string> cgroup_path(std::uint32_t pid) const;
  // /proc/PID/comm without the newline.
  [[nodiscard]] std::optional<std::string> comm(std::uint32_t pid) const;
  // The real uid (first field of "Uid:" in /proc/PID/status).
  [[nodiscard]] std::optional<std::uint32_t> uid(std::uint32_t pid) const;
  // Target of /proc/PID/exe (" (deleted)" kept: it is evidence).
  [[nodiscard]] std::optional<std::string> exe(std::uint32_t pid) const;
  // Field 22 of /proc/PID/stat (clock ticks since boot): guards against pid reuse.
  [[nodiscard]] std::optional<std::uint64_t> start_time(std::uint32_t pid) const;
  // False when PID is gone, or did not exist at boot_ns (see started_by).
  // Call it after reading, so a reuse during the read is caught too.
  [[nodiscard]] bool is_alive_since(std::uint32_t pid, std::uint64_t boot_ns) const;

  [[nodiscard]] const std::string& root() const noexcept { return root_; }

 private:
  std::string root_;
};

}  // namespace bindtrace
