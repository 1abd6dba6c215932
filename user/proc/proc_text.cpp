// Parsers of /proc/PID file contents (see proc_text.hpp).
#include "bindtrace/proc/proc_text.hpp"
#include "bindtrace/events/number_text.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace bindtrace {
namespace {

constexpr std::string_view kSpace = " \t\n";

// Whitespace-separated words (status uses tabs, stat spaces).
std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
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

}  // namespace

std::optional<std::uint64_t> stat_number_field(std::string_view stat, int field) {
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || field < 3) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  for (int at = 3;; ++at) {
    const std::size_t begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const std::size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    if (at == field) return parse_number<std::uint64_t>(rest.substr(0, end));
    rest.remove_prefix(end);
  }
}

// comm (field 2) may hold spaces and ") ": it ends at the last ')'.
std::optional<StatLine> parse_stat(std::string_view stat) {
  const std::size_t open = stat.find('(');
  const std::size_t close = stat.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  const std::size_t state = stat.find_first_not_of(kSpace, close + 1);
  const auto ppid = stat_number_field(stat, 4);
  const auto flags = stat_number_field(stat, 9);
  const auto start_time = stat_number_field(stat, 22);
  if (state == std::string_view::npos || !ppid || !flags || !start_time ||
      *ppid > std::numeric_limits<std::uint32_t>::max())
    return std::nullopt;
  return StatLine{.comm = std::string(stat.substr(open + 1, close - open - 1)),
                  .state = stat[state],
                  .ppid = static_cast<std::uint32_t>(*ppid),
                  .flags = *flags,
                  .start_time = *start_time};
}

std::vector<std::string_view> status_words(std::string_view status, std::string_view key) {
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

StatusLines parse_status(std::string_view status) {
  StatusLines lines;
  if (const auto uid = status_words(status, "Uid"); !uid.empty()) lines.uid = parse_number<std::uint32_t>(uid.front());
  for (const std::string_view pid : status_words(status, "NSpid")) {
    if (const auto value = parse_number<std::uint32_t>(pid)) lines.nspid.push_back(*value);
  }
  if (const auto ignored = status_words(status, "SigIgn"); !ignored.empty()) {
    lines.sig_ign = parse_number<std::uint64_t>(ignored.front(), 16).value_or(0);
  }
  return lines;
}

std::vector<std::string> split_items(std::string_view content, char separator) {
  std::vector<std::string> items;
  while (!content.empty()) {
    const std::size_t end = content.find(separator);
    items.emplace_back(content.substr(0, end));
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + 1);
  }
  return items;
}

std::vector<std::string> cgroup_lines_of(std::string_view content) {
  std::vector<std::string> lines = split_items(content, '\n');
  std::erase_if(lines, [](const std::string& line) { return line.empty(); });
  return lines;
}

std::map<std::string, std::string> parse_environ(std::string_view content) {
  std::map<std::string, std::string> environ;
  for (const std::string& entry : split_items(content, '\0')) {
    const std::size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    environ.emplace(entry.substr(0, equals), entry.substr(equals + 1));
  }
  return environ;
}

std::string_view without_deleted_suffix(std::string_view path) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.remove_suffix(kDeleted.size());
  return path;
}

std::optional<std::string> parse_cgroup_lines(const std::vector<std::string>& lines) {
  std::optional<std::string_view> unified;
  std::optional<std::string_view> named_systemd;
  for (const std::string_view line : lines) {
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
  return std::string(without_deleted_suffix(path));
}

std::optional<std::string> parse_cgroup_file(std::string_view content) {
  return parse_cgroup_lines(cgroup_lines_of(content));
}

}  // namespace bindtrace
