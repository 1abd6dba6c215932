// /proc/*/fd scan with getdents64 and readlinkat relative to directory fds:
// no DIR buffers, no path building per fd, the fd tables split over a few
// threads, and /proc/PID files read only for processes that hold a wanted
// socket. This is what `who` costs without BPF iterators, so it is kept
// close to the syscalls.
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
#include <system_error>
#include <thread>

#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/unique_fd.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

constexpr std::string_view kSocketPrefix = "socket:[";
constexpr std::size_t kDirentBufferBytes = 32 << 10;
constexpr std::size_t kPidsPerWorker = 256;  // below this a thread costs more than it saves
constexpr std::size_t kMaxWorkers = 8;

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
  std::uint32_t pid;
  int fd;
  std::uint64_t inode;
};

// What one worker found in its share of the processes.
struct ScanResult {
  std::vector<Match> matches;
  std::uint64_t vanished = 0;
  std::uint64_t denied = 0;
};

// Appends a Match for each socket in `inodes` that `pid` holds.
// Returns 0 or the errno that stopped the scan of this process.
int scan_process(int proc_dir, std::uint32_t pid, const std::set<std::uint64_t>& inodes, std::byte* buffer,
                 std::vector<Match>& matches) {
  char path[32];
  const auto [end, ec] = std::to_chars(path, path + sizeof(path) - 4, pid);
  if (ec != std::errc()) return ENAMETOOLONG;
  std::memcpy(end, "/fd", 4);
  const UniqueFd fd_dir(::openat(proc_dir, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_dir) return errno;

  return for_each_entry(fd_dir.get(), buffer, [&](const char* name, unsigned char) {
    const auto fd = parse_number<int>(name);
    if (!fd) return;  // "." and ".."
    char link[64];
    const ssize_t len = ::readlinkat(fd_dir.get(), name, link, sizeof(link));
    // An fd closed since getdents gives ENOENT: it holds nothing now.
    if (len <= 0 || static_cast<std::size_t>(len) >= sizeof(link)) return;
    const auto inode = parse_socket_link({link, static_cast<std::size_t>(len)});
    if (inode && inodes.contains(*inode)) matches.push_back({pid, *fd, *inode});
  });
}

// Scans pids[first], pids[first + step], ... (interleaved, so workers share
// the load even when fd-heavy processes cluster).
ScanResult scan_share(int proc_dir, const std::vector<std::uint32_t>& pids, std::size_t first,
                      std::size_t step, const std::set<std::uint64_t>& inodes) {
  ScanResult result;
  std::vector<std::uint64_t> storage(kDirentBufferBytes / sizeof(std::uint64_t));  // aligned for dirent64
  auto* buffer = reinterpret_cast<std::byte*>(storage.data());
  for (std::size_t i = first; i < pids.size(); i += step) {
    const int err = scan_process(proc_dir, pids[i], inodes, buffer, result.matches);
    if (err == ENOENT || err == ESRCH)
      ++result.vanished;
    else if (err == EACCES || err == EPERM)
      ++result.denied;
  }
  return result;
}

// The numeric entries of the /proc root.
std::vector<std::uint32_t> list_pids(int proc_dir) {
  std::vector<std::uint64_t> storage(kDirentBufferBytes / sizeof(std::uint64_t));
  std::vector<std::uint32_t> pids;
  for_each_entry(proc_dir, reinterpret_cast<std::byte*>(storage.data()),
                 [&](const char* name, unsigned char type) {
                   if (type != DT_DIR && type != DT_UNKNOWN) return;
                   if (const auto pid = parse_number<std::uint32_t>(name)) pids.push_back(*pid);
                 });
  return pids;
}

// readlink on /proc/PID/fd/N costs a pid lookup and a ptrace access check
// each; with thousands of processes the scan is syscall-bound and splits
// well over CPUs.
std::vector<Match> scan_all(int proc_dir, const std::vector<std::uint32_t>& pids,
                            const std::set<std::uint64_t>& inodes, FdScanStats& counts) {
  const std::size_t by_size = pids.size() / kPidsPerWorker + 1;
  const std::size_t workers = std::clamp<std::size_t>(
      std::min<std::size_t>(std::thread::hardware_concurrency(), by_size), 1, kMaxWorkers);
  std::vector<ScanResult> results(workers);
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 1; w < workers; ++w) {
      try {
        threads.emplace_back([&, w] { results[w] = scan_share(proc_dir, pids, w, workers, inodes); });
      } catch (const std::system_error&) {
        results[w] = scan_share(proc_dir, pids, w, workers, inodes);
      }
    }
    results[0] = scan_share(proc_dir, pids, 0, workers, inodes);
  }
  std::vector<Match> matches;
  for (ScanResult& r : results) {
    counts.vanished += r.vanished;
    counts.denied += r.denied;
    matches.insert(matches.end(), r.matches.begin(), r.matches.end());
  }
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.pid != b.pid ? a.pid < b.pid : a.fd < b.fd; });
  return matches;
}

}  // namespace

std::optional<std::uint64_t> parse_socket_link(std::string_view link) noexcept {
  if (!link.starts_with(kSocketPrefix) || !link.ends_with(']')) return std::nullopt;
  link.remove_prefix(kSocketPrefix.size());
  link.remove_suffix(1);
  if (link.empty() || link.front() < '0' || link.front() > '9') return std::nullopt;
  return parse_number<std::uint64_t>(link);
}

namespace {

// The scan of `pids` (every process when nullopt) and the holders' details.
std::vector<Holder> scan(const std::optional<std::vector<std::uint32_t>>& only, const std::set<std::uint64_t>& inodes,
                         const std::string& proc_root, FdScanStats* stats) {
  FdScanStats local;
  FdScanStats& counts = stats ? *stats : local;
  std::vector<Holder> holders;
  if (inodes.empty()) return holders;

  const UniqueFd proc_dir(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) return holders;
  const std::vector<std::uint32_t> pids = only ? *only : list_pids(proc_dir.get());
  counts.processes += pids.size();
  const std::vector<Match> matches = scan_all(proc_dir.get(), pids, inodes, counts);

  // /proc/PID files are read only for holders, once per process.
  const ProcReader reader(proc_root);
  for (std::size_t i = 0; i < matches.size();) {
    const std::uint32_t pid = matches[i].pid;
    std::size_t next = i;
    while (next < matches.size() && matches[next].pid == pid) ++next;
    // Start time first: it fails when the process exited after its fds were read.
    const auto start_time = reader.start_time(pid);
    if (!start_time) {
      ++counts.vanished;
      i = next;
      continue;
    }
    Holder base;
    base.pid = pid;
    base.start_time = *start_time;
    base.comm = reader.comm(pid).value_or("");
    base.cmdline = reader.cmdline(pid).value_or("");
    base.uid = reader.uid(pid).value_or(0);
    base.cgroup = reader.cgroup_path(pid).value_or("");
    for (; i < next; ++i) {
      Holder holder = base;
      holder.fd = matches[i].fd;
      holder.inode = matches[i].inode;
      holders.push_back(std::move(holder));
    }
  }
  return holders;
}

}  // namespace

std::vector<Holder> scan_socket_holders(const std::set<std::uint64_t>& inodes, const std::string& proc_root,
                                        FdScanStats* stats) {
  return scan(std::nullopt, inodes, proc_root, stats);
}

std::vector<Holder> scan_socket_holders_among(const std::vector<std::uint32_t>& pids,
                                              const std::set<std::uint64_t>& inodes, const std::string& proc_root,
                                              FdScanStats* stats) {
  return scan(pids, inodes, proc_root, stats);
}

}  // namespace bindtrace
