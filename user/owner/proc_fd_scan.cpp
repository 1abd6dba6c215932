// /proc/*/fd scan with getdents64 and readlinkat relative to directory fds:
// no DIR buffers, no path building per fd, and /proc/PID files are read only
// for processes that hold a wanted socket. This is what `who` costs without
// BPF iterators, so it is kept close to the syscalls.
#include "bindtrace/owner/proc_fd_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "bindtrace/proc_reader.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

constexpr std::string_view kSocketPrefix = "socket:[";
constexpr std::size_t kDirentBufferBytes = 32 << 10;

template <typename Int>
std::optional<Int> parse_decimal(std::string_view text) noexcept {
  Int value{};
  if (text.empty()) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Calls on_name(const char* name, d_type) for each entry of the open directory `dir`.
// Returns 0, or the errno of a failed read (ENOENT: the process exited).
template <typename OnName>
int for_each_entry(int dir, std::byte* buffer, OnName&& on_name) {
  for (;;) {
    const ssize_t n = ::getdents64(dir, buffer, kDirentBufferBytes);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (ssize_t at = 0; at < n;) {
      // d_reclen keeps every record 8-byte aligned inside the aligned buffer.
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
      on_name(entry->d_name, entry->d_type);
      at += entry->d_reclen;
    }
  }
}

struct Match {
  int fd;
  std::uint64_t inode;
};

// Appends (fd, inode) for each socket in `inodes` that `pid` holds.
// Returns 0 or the errno that stopped the scan of this process.
int scan_process(int proc_dir, std::string_view pid_name, const std::set<std::uint64_t>& inodes,
                 std::byte* buffer, std::vector<Match>& matches) {
  char path[32];
  if (pid_name.size() + 4 >= sizeof(path)) return ENAMETOOLONG;
  std::memcpy(path, pid_name.data(), pid_name.size());
  std::memcpy(path + pid_name.size(), "/fd", 4);
  const UniqueFd fd_dir(::openat(proc_dir, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_dir) return errno;

  return for_each_entry(fd_dir.get(), buffer, [&](const char* name, unsigned char) {
    const auto fd = parse_decimal<int>(name);
    if (!fd) return;  // "." and ".."
    char link[64];
    const ssize_t len = ::readlinkat(fd_dir.get(), name, link, sizeof(link));
    // An fd closed since getdents gives ENOENT: it holds nothing now.
    if (len <= 0 || static_cast<std::size_t>(len) >= sizeof(link)) return;
    const auto inode = parse_socket_link({link, static_cast<std::size_t>(len)});
    if (inode && inodes.contains(*inode)) matches.push_back({*fd, *inode});
  });
}

}  // namespace

std::optional<std::uint64_t> parse_socket_link(std::string_view link) noexcept {
  if (!link.starts_with(kSocketPrefix) || !link.ends_with(']')) return std::nullopt;
  link.remove_prefix(kSocketPrefix.size());
  link.remove_suffix(1);
  if (link.empty() || link.front() < '0' || link.front() > '9') return std::nullopt;
  return parse_decimal<std::uint64_t>(link);
}

std::vector<Holder> scan_socket_holders(const std::set<std::uint64_t>& inodes, const std::string& proc_root,
                                        FdScanStats* stats) {
  FdScanStats local;
  FdScanStats& counts = stats ? *stats : local;
  std::vector<Holder> holders;
  if (inodes.empty()) return holders;

  const UniqueFd proc_dir(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) return holders;

  // Two buffers, since the /proc listing is still being walked while a
  // process's fd directory is read; uint64_t storage keeps dirent64 aligned.
  std::vector<std::uint64_t> storage(2 * kDirentBufferBytes / sizeof(std::uint64_t));
  auto* root_buffer = reinterpret_cast<std::byte*>(storage.data());
  std::byte* fd_buffer = root_buffer + kDirentBufferBytes;

  const ProcReader reader(proc_root);
  std::vector<Match> matches;
  for_each_entry(proc_dir.get(), root_buffer, [&](const char* name, unsigned char type) {
    if (type != DT_DIR && type != DT_UNKNOWN) return;
    const auto pid = parse_decimal<std::uint32_t>(name);
    if (!pid) return;
    ++counts.processes;
    matches.clear();
    const int err = scan_process(proc_dir.get(), name, inodes, fd_buffer, matches);
    if (err == ENOENT || err == ESRCH) ++counts.vanished;
    else if (err == EACCES || err == EPERM) ++counts.denied;
    if (matches.empty()) return;

    // Start time first: it fails when the process exited after its fds were read.
    const auto start_time = reader.start_time(*pid);
    if (!start_time) {
      ++counts.vanished;
      return;
    }
    Holder base;
    base.pid = *pid;
    base.start_time = *start_time;
    base.comm = reader.comm(*pid).value_or("");
    base.cmdline = reader.cmdline(*pid).value_or("");
    base.uid = reader.uid(*pid).value_or(0);
    base.cgroup = reader.cgroup_path(*pid).value_or("");
    for (const Match& m : matches) {
      Holder holder = base;
      holder.fd = m.fd;
      holder.inode = m.inode;
      holders.push_back(std::move(holder));
    }
  });

  std::sort(holders.begin(), holders.end(),
            [](const Holder& a, const Holder& b) { return a.pid != b.pid ? a.pid < b.pid : a.fd < b.fd; });
  return holders;
}

}  // namespace bindtrace
