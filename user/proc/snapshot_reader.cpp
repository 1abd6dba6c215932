// /proc/PID files read with plain open/read: they report size 0, so they are
// read until EOF.
#include "bindtrace/proc/snapshot_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>
#include <string_view>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

constexpr std::size_t kLargeFileMax = 1 << 20;  // cmdline, environ
constexpr std::size_t kSmallFileMax = 64 << 10;
constexpr std::size_t kMaxAncestors = 64;

// Items ended (or separated) by `separator`; empty items are kept ("" is a valid argument).
std::vector<std::string> split(std::string_view content, char separator) {
  std::vector<std::string> items;
  while (!content.empty()) {
    const std::size_t end = content.find(separator);
    items.emplace_back(content.substr(0, end));
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + 1);
  }
  return items;
}

// Whitespace-separated words (status uses tabs, stat spaces).
std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  constexpr std::string_view kSpace = " \t\n";
  while (true) {
    const std::size_t begin = text.find_first_not_of(kSpace);
    if (begin == std::string_view::npos) break;
    text.remove_prefix(begin);
    const std::size_t end = std::min(text.find_first_of(kSpace), text.size());
    words.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return words;
}

template <typename T>
std::optional<T> number_of(std::string_view text, int base = 10) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

struct Stat {
  std::string comm;
  char state = '?';
  std::uint32_t ppid = 0;
  std::uint64_t start_time = 0;
};

// comm (field 2) may hold spaces and ") ": it ends at the last ')'.
std::optional<Stat> parse_stat(std::string_view content) {
  const std::size_t open = content.find('(');
  const std::size_t close = content.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  Stat stat;
  stat.comm = std::string(content.substr(open + 1, close - open - 1));
  const auto fields = words_of(content.substr(close + 1));  // fields[0] is field 3 (state)
  constexpr std::size_t kPpid = 4 - 3;
  constexpr std::size_t kStartTime = 22 - 3;
  if (fields.size() <= kStartTime) return std::nullopt;
  const auto ppid = number_of<std::uint32_t>(fields[kPpid]);
  const auto start_time = number_of<std::uint64_t>(fields[kStartTime]);
  if (!ppid || !start_time) return std::nullopt;
  if (!fields[0].empty()) stat.state = fields[0].front();
  stat.ppid = *ppid;
  stat.start_time = *start_time;
  return stat;
}

std::optional<Stat> read_stat(const std::string& root, std::uint32_t pid) {
  const auto content = read_proc_file(proc_path(root, pid, "stat"), kSmallFileMax);
  if (!content) return std::nullopt;
  return parse_stat(*content);
}

// The words after "Key:" on its line of /proc/PID/status.
std::vector<std::string_view> status_field(std::string_view status, std::string_view key) {
  std::size_t at = 0;
  while (at < status.size()) {
    const std::size_t end = std::min(status.find('\n', at), status.size());
    const std::string_view line = status.substr(at, end - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      return words_of(line.substr(key.size() + 1));
    }
    at = end + 1;
  }
  return {};
}

void read_status(std::string_view status, ProcessSnapshot& snapshot) {
  if (const auto uid = status_field(status, "Uid"); !uid.empty()) {
    snapshot.uid = number_of<std::uint32_t>(uid.front()).value_or(0);
  }
  for (const std::string_view pid : status_field(status, "NSpid")) {
    if (const auto value = number_of<std::uint32_t>(pid)) snapshot.nspid.push_back(*value);
  }
  if (const auto ignored = status_field(status, "SigIgn"); !ignored.empty()) {
    snapshot.sig_ign = number_of<std::uint64_t>(ignored.front(), 16).value_or(0);
  }
}

void read_environ(const std::string& root, ProcessSnapshot& snapshot) {
  // EACCES (no ptrace-read permission) and a missing file degrade the same way.
  const auto content = read_proc_file(proc_path(root, snapshot.pid, "environ"), kLargeFileMax);
  if (!content) {
    snapshot.environ_readable = false;
    return;
  }
  for (const std::string& entry : split(*content, '\0')) {
    const std::size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    snapshot.environ.emplace(entry.substr(0, equals), entry.substr(equals + 1));
  }
}

std::string read_link(const std::string& path) {
  char target[4096];
  const ssize_t n = ::readlink(path.c_str(), target, sizeof(target));
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string{};
}

// Parent first, up to pid 1; a pid seen twice (a reused pid racing us) ends the walk.
std::vector<Ancestor> read_ancestors(const std::string& root, std::uint32_t pid, std::uint32_t ppid) {
  std::vector<Ancestor> ancestors;
  std::set<std::uint32_t> seen = {pid};
  for (std::uint32_t next = ppid; next != 0 && ancestors.size() < kMaxAncestors;) {
    if (!seen.insert(next).second) break;
    const auto stat = read_stat(root, next);
    if (!stat) break;
    const auto cmdline = read_proc_file(proc_path(root, next, "cmdline"), kLargeFileMax);
    ancestors.push_back(
        Ancestor{.pid = next, .comm = stat->comm, .cmdline = join_cmdline(cmdline.value_or(""))});
    if (next == 1) break;
    next = stat->ppid;
  }
  return ancestors;
}

}  // namespace

std::optional<ProcessSnapshot> read_snapshot(std::uint32_t pid, const std::string& proc_root) {
  const auto stat = read_stat(proc_root, pid);
  // A zombie has exited: its environ and argv are gone, so it is not "live".
  if (!stat || stat->state == 'Z' || stat->state == 'X') return std::nullopt;
  ProcessSnapshot snapshot;
  snapshot.pid = pid;
  snapshot.ppid = stat->ppid;
  snapshot.comm = stat->comm;
  snapshot.start_time = stat->start_time;

  if (const auto status = read_proc_file(proc_path(proc_root, pid, "status"), kSmallFileMax)) {
    read_status(*status, snapshot);
  }
  if (const auto cmdline = read_proc_file(proc_path(proc_root, pid, "cmdline"), kLargeFileMax)) {
    snapshot.argv = split(*cmdline, '\0');
  }
  if (const auto cgroup = read_proc_file(proc_path(proc_root, pid, "cgroup"), kSmallFileMax)) {
    for (std::string& line : split(*cgroup, '\n')) {
      if (!line.empty()) snapshot.cgroup_lines.push_back(std::move(line));
    }
  }
  read_environ(proc_root, snapshot);
  snapshot.stdout_target = read_link(proc_path(proc_root, pid, "fd/1"));
  snapshot.ancestors = read_ancestors(proc_root, pid, snapshot.ppid);

  // The pid may have been reused while we read: the start time tells.
  if (ProcReader(proc_root).start_time(pid) != snapshot.start_time) return std::nullopt;
  return snapshot;
}

}  // namespace bindtrace
