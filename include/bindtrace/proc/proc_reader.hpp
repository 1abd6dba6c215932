// Reads what the output needs about a live process from a /proc tree. Takes a
// root path so tests can point it at tests/fixtures/. Best effort: a process
// may exit at any time; failures return nullopt and the caller counts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace bindtrace {

// Nanoseconds per clock tick (USER_HZ), the unit of /proc's start times: the
// one conversion every reader of start times uses.
[[nodiscard]] std::uint64_t ns_per_clock_tick() noexcept;

// The /proc/PID/stat field `field` (1-based, as proc(5) numbers them) of a
// stat line; comm (field 2) may hold spaces and ')', so fields resume after
// the last ')'. nullopt for fields 1-2 or when the line is short.
[[nodiscard]] std::optional<std::uint64_t> stat_number_field(std::string_view stat, int field);


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
  // Targets of /proc/PID/exe and /proc/PID/cwd (" (deleted)" kept: it is evidence).
  [[nodiscard]] std::optional<std::string> exe(std::uint32_t pid) const;
  [[nodiscard]] std::optional<std::string> cwd(std::uint32_t pid) const;
  // Field 22 of /proc/PID/stat (clock ticks since boot): guards against pid reuse.
  [[nodiscard]] std::optional<std::uint64_t> start_time(std::uint32_t pid) const;
  // False when PID is gone, or started after boot_ns (CLOCK_BOOTTIME, as the
  // kernel stamps events): then it is not the process that made the event at
  // boot_ns, its pid was reused. boot_ns 0 (unknown) checks existence only.
  // Call it after reading, so a reuse during the read is caught too.
  [[nodiscard]] bool is_alive_since(std::uint32_t pid, std::uint64_t boot_ns) const;

  [[nodiscard]] const std::string& root() const noexcept { return root_; }

 private:
  std::string root_;
};

// Parses the content of /proc/PID/cgroup (pure; fuzzed).
[[nodiscard]] std::optional<std::string> parse_cgroup_file(std::string_view content);

}  // namespace bindtrace
