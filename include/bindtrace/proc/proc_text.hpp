// Parsing the text of /proc/PID files: each format has one parser here, and
// every reader (read_snapshot, ProcReader, proc_fd_scan) goes through it.
// Pure: no file is opened here, so attribution may use it too (fuzzed).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

// The /proc/PID/stat field `field` (1-based, as proc(5) numbers them) of a
// stat line; comm (field 2) may hold spaces and ')', so fields resume after
// the last ')'. nullopt for fields 1-2 or when the line is short.
[[nodiscard]] std::optional<std::uint64_t> stat_number_field(std::string_view stat, int field);

// What the readers take from /proc/PID/stat.
struct StatLine {
  std::string comm;             // field 2, between the first '(' and the last ')'
  char state = '?';             // field 3
  std::uint32_t ppid = 0;       // field 4
  std::uint64_t flags = 0;      // field 9 (PF_* task flags)
  std::uint64_t start_time = 0; // field 22, clock ticks since boot
};
// nullopt when a field is missing or not a number.
[[nodiscard]] std::optional<StatLine> parse_stat(std::string_view stat);

// The whitespace-separated words after "Key:" on its line of /proc/PID/status.
[[nodiscard]] std::vector<std::string_view> status_words(std::string_view status, std::string_view key);

// What the readers take from /proc/PID/status.
struct StatusLines {
  std::optional<std::uint32_t> uid;  // real uid: the first word of "Uid:"
  std::vector<std::uint32_t> nspid;  // "NSpid:", outermost namespace first
  std::uint64_t sig_ign = 0;         // "SigIgn:" (hex mask)
};
[[nodiscard]] StatusLines parse_status(std::string_view status);

// Items ended (or separated) by `separator`; empty items are kept ("" is a
// valid argument). /proc/PID/cmdline gives argv with '\0'.
[[nodiscard]] std::vector<std::string> split_items(std::string_view content, char separator);

// The non-empty lines of /proc/PID/cgroup.
[[nodiscard]] std::vector<std::string> cgroup_lines_of(std::string_view content);

// "KEY=value" entries of /proc/PID/environ, split at the first '='; entries
// without a key are skipped.
[[nodiscard]] std::map<std::string, std::string> parse_environ(std::string_view content);

// A path as the kernel shows it once its file or cgroup is gone
// ("/usr/bin/x (deleted)" in /proc/PID/exe and /proc/PID/cgroup), without that
// suffix.
[[nodiscard]] std::string_view without_deleted_suffix(std::string_view path);

// The cgroup v2 path of /proc/PID/cgroup lines: the "0::" line, else the
// name=systemd v1 line; " (deleted)" stripped. nullopt when neither is there.
[[nodiscard]] std::optional<std::string> parse_cgroup_lines(const std::vector<std::string>& lines);
// The same over the whole file's content.
[[nodiscard]] std::optional<std::string> parse_cgroup_file(std::string_view content);

}  // namespace bindtrace
