// /proc/PID/{cmdline,cgroup,stat} read with plain open/read: these files
// report size 0, so they are read until EOF.
#include "bindtrace/proc/proc_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

constexpr std::size_t kCmdlineMax = 1 << 20;
constexpr std::size_t kSmallFileMax = 64 << 10;

}  // namespace

std::optional<std::string> ProcReader::cmdline(std::uint32_t pid) const {
  const auto raw = read_proc_file(proc_path(root_, pid, "cmdline"), kCmdlineMax);
  if (!raw) return std::nullopt;
  return join_cmdline(*raw);
}

std::optional<std::string> ProcReader::cgroup_path(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "cgroup"), kSmallFileMax);
  if (!content) return std::nullopt;
  return parse_cgroup_file(*content);
}

namespace {

std::optional<std::string> read_link(const std::string& path) {
  char buffer[4096];
  const ssize_t n = ::readlink(path.c_str(), buffer, sizeof(buffer));
  if (n <= 0) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

}  // namespace

std::optional<std::string> ProcReader::exe(std::uint32_t pid) const { return read_link(proc_path(root_, pid, "exe")); }

std::optional<std::string> ProcReader::cwd(std::uint32_t pid) const { return read_link(proc_path(root_, pid, "cwd")); }

std::optional<std::string> ProcReader::comm(std::uint32_t pid) const {
  auto content = read_proc_file(proc_path(root_, pid, "comm"), kSmallFileMax);
  if (!content) return std::nullopt;
  if (!content->empty() && content->back() == '\n') content->pop_back();
  return content;
}

std::optional<std::uint32_t> ProcReader::uid(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "status"), kSmallFileMax);
  if (!content) return std::nullopt;
  const std::size_t at = content->find("\nUid:");
  if (at == std::string::npos) return std::nullopt;
  std::size_t pos = content->find_first_not_of(" \t", at + 5);
  if (pos == std::string::npos) return std::nullopt;
  std::uint32_t value = 0;
  const char* begin = content->data() + pos;
  const auto [ptr, ec] = std::from_chars(begin, content->data() + content->size(), value);
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> ProcReader::start_time(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "stat"), kSmallFileMax);
  if (!content) return std::nullopt;
  return stat_number_field(*content, 22);  // starttime
}

std::optional<std::uint64_t> stat_number_field(std::string_view stat, int field) {
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || field < 3) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  for (int at = 3;; ++at) {
    const std::size_t begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const std::size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    if (at == field) {
      std::uint64_t value = 0;
      const auto [stop, ec] = std::from_chars(rest.data(), rest.data() + end, value);
      if (ec != std::errc{} || stop != rest.data() + end) return std::nullopt;
      return value;
    }
    rest.remove_prefix(end);
  }
}

std::uint64_t ns_per_clock_tick() noexcept {
  static const std::uint64_t ns = [] {
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return 1'000'000'000ULL / static_cast<std::uint64_t>(ticks > 0 ? ticks : 100);
  }();
  return ns;
}

bool ProcReader::is_alive_since(std::uint32_t pid, std::uint64_t boot_ns) const {
  const auto ticks = start_time(pid);
  if (!ticks) return false;
  if (boot_ns == 0) return true;
  // The kernel rounds the start time down to a tick (nsec_to_clock_t), so the
  // process that made the event never looks younger than it.
  return *ticks <= boot_ns / ns_per_clock_tick();
}

std::optional<std::string> parse_cgroup_file(std::string_view content) {
  constexpr std::string_view kDeleted = " (deleted)";
  std::optional<std::string_view> unified;
  std::optional<std::string_view> named_systemd;
  while (!content.empty()) {
    const std::size_t newline = content.find('\n');
    const std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view{} : content.substr(newline + 1);

    // "hierarchy-ID:controller-list:path"; the path itself may contain ':'.
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (path.empty()) continue;
    if (id == "0" && controllers.empty()) {
      unified = path;
      break;
    }
    for (std::string_view rest = controllers; !named_systemd;) {
      const std::size_t comma = rest.find(',');
      if (rest.substr(0, comma) == "name=systemd") named_systemd = path;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  std::string_view path = unified ? *unified : named_systemd.value_or(std::string_view{});
  if (path.empty()) return std::nullopt;
  if (path.ends_with(kDeleted)) path.remove_suffix(kDeleted.size());
  return std::string(path);
}

}  // namespace bindtrace
