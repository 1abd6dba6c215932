// Parses the filter options into a FilterSpec. Every rejection is one
// UsageError line that names the option and quotes what was given.
#include "bindtrace/capture/filter_spec.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <iterator>
#include <limits>
#include <optional>

#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

constexpr std::uint32_t kPidMax = 4194304;  // PID_MAX_LIMIT on 64-bit kernels
// Namespace inodes: static ones for the initial namespaces count down from
// 0xEFFFFFFF (MNT_NS_INIT_INO is the lowest, 6.x proc_ns.h; init_net is
// 0xEFFFFFF9 there), dynamic ones count up from 0xF0000000 (proc_alloc_inum).
constexpr std::uint64_t kFirstNsInode = 0xeffffff8;
constexpr std::size_t kCommMax = 15;     // TASK_COMM_LEN - 1
constexpr unsigned kErrnoMax = 127;      // FilterSpec::errnos holds 1..127
constexpr long kNsfsMagic = 0x6e736673;  // NSFS_MAGIC, linux/magic.h

[[noreturn]] void reject(std::string_view option, std::string_view text, std::string_view why) {
  throw UsageError(std::string(option) + ": '" + escape_for_terminal(text) + "' " + std::string(why));
}

std::string stat_error(int err) {
  const std::string_view description = errno_description(err);
  return description.empty() ? "error " + std::to_string(err) : std::string(description);
}

}  // namespace

void add_port_spec(FilterSpec& spec, std::string_view text) {
  constexpr std::string_view kOption = "--port";
  constexpr std::string_view kWhy = "is not a port or range (0-65535, e.g. 8000-8099)";
  const std::size_t dash = text.find('-');
  const std::string_view first_text = text.substr(0, dash);
  const std::string_view last_text = dash == std::string_view::npos ? text : text.substr(dash + 1);
  const auto first = parse_number<std::uint16_t>(first_text);
  const auto last = parse_number<std::uint16_t>(last_text);
  if (!first || !last) reject(kOption, text, kWhy);
  if (*first > *last) reject(kOption, text, "is a range whose start is above its end");
  for (std::uint32_t port = *first; port <= *last; ++port) spec.ports.set(port);
}

void add_errno_spec(FilterSpec& spec, std::string_view text) {
  const auto err = parse_errno(text);
  if (!err) reject("--errno", text, "is not an errno name or number");
  if (*err > static_cast<int>(kErrnoMax)) {
    reject("--errno", text, "is outside the errnos that can be filtered (1-127)");
  }
  spec.errnos.set(static_cast<std::size_t>(*err));
}

void set_comm_spec(FilterSpec& spec, std::string_view text) {
  if (text.empty()) reject("--comm", text, "is empty (omit --comm to see every command)");
  if (text.size() > kCommMax) reject("--comm", text, "is longer than 15 bytes");
  spec.comm = text;
}

void set_pid_spec(FilterSpec& spec, std::string_view text) {
  const auto pid = parse_number<std::uint32_t>(text);
  if (!pid || *pid == 0 || *pid > kPidMax) reject("--pid", text, "is not a process id (1-4194304)");
  spec.pid = *pid;
}

void set_cgroup_spec(FilterSpec& spec, std::string_view text, const std::string& cgroup2_root) {
  std::string_view root = cgroup2_root;
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  const std::string why = "is not a cgroup v2 directory under " + std::string(root);
  if (text.empty()) reject("--cgroup", text, why);

  // Absolute paths outside the mount ("/system.slice/x.service") are read as
  // relative to it, which is how /proc/PID/cgroup shows them.
  std::string_view relative = text;
  if (relative.starts_with(root) &&
      (relative.size() == root.size() || relative[root.size()] == '/' || root == "/")) {
    relative.remove_prefix(root.size());
  }

  std::string path(root);
  std::uint32_t level = 0;
  while (!relative.empty()) {
    const std::size_t slash = relative.find('/');
    const std::string_view component = relative.substr(0, slash);
    relative = slash == std::string_view::npos ? std::string_view{} : relative.substr(slash + 1);
    if (component.empty() || component == ".") continue;
    if (component == "..") reject("--cgroup", text, why + " ('..' is not allowed)");
    if (path.back() != '/') path += '/';
    path += component;
    ++level;
  }

  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) reject("--cgroup", text, why);
  spec.cgroup_id = st.st_ino;
  spec.cgroup_level = level;
  spec.cgroup_path = text;
}

void set_netns_spec(FilterSpec& spec, std::string_view text, const std::string& proc_root) {
  constexpr std::string_view kOption = "--netns";
  if (text.empty()) reject(kOption, text, "is not a pid, an nsfs path or a namespace inode");

  if (const auto number = parse_number<std::uint64_t>(text)) {
    constexpr std::string_view kWhy =
        "is neither a pid (1-4194304) nor a namespace inode (4026531832-4294967295)";
    if (*number >= kFirstNsInode && *number <= std::numeric_limits<std::uint32_t>::max()) {
      spec.netns = static_cast<std::uint32_t>(*number);
      return;
    }
    if (*number == 0 || *number > kPidMax) reject(kOption, text, kWhy);
    const std::string path = proc_root + "/" + std::to_string(*number) + "/ns/net";
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      reject(kOption, text, "names no readable process (" + path + ": " + stat_error(errno) + ")");
    }
    spec.netns = static_cast<std::uint32_t>(st.st_ino);
    return;
  }

  const std::string path(text);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    reject(kOption, text, "cannot be read (" + stat_error(errno) + ")");
  }
  // Any file has an inode; only an nsfs one names a namespace.
  struct statfs fs {};
  if (statfs(path.c_str(), &fs) != 0 || fs.f_type != kNsfsMagic) {
    reject(kOption, text, "is not a network namespace file (e.g. /run/netns/NAME)");
  }
  spec.netns = static_cast<std::uint32_t>(st.st_ino);
}

std::uint64_t parse_duration_ms(std::string_view option, std::string_view text) {
  constexpr std::string_view kWhy = "is not a duration (e.g. 250ms, 30s, 5m, 1h)";
  const std::size_t unit_at = text.find_first_not_of("0123456789");
  const std::string_view unit = unit_at == std::string_view::npos ? "" : text.substr(unit_at);
  const auto value = parse_number<std::uint64_t>(text.substr(0, unit_at));
  if (!value) reject(option, text, kWhy);

  struct Unit {
    std::string_view suffix;
    std::uint64_t ms;
  };
  static constexpr Unit kUnits[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  const auto* found =
      std::find_if(std::begin(kUnits), std::end(kUnits), [&](const Unit& u) { return u.suffix == unit; });
  if (found == std::end(kUnits)) reject(option, text, kWhy);
  if (*value == 0) reject(option, text, "must be longer than zero");
  // Ten years: far beyond any use, and a deadline steady_clock can still hold.
  constexpr std::uint64_t kMaxMs = 10ULL * 365 * 24 * 3'600'000;
  if (*value > kMaxMs / found->ms) reject(option, text, "is too long");
  return *value * found->ms;
}

}  // namespace bindtrace
