// /proc/PID files read with plain open/read (proc_file.hpp), parsed by
// proc_text.hpp.
#include "bindtrace/proc/snapshot_reader.hpp"

#include <set>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/proc/proc_text.hpp"

namespace bindtrace {
namespace {

constexpr std::size_t kMaxAncestors = 64;

std::optional<StatLine> read_stat(const std::string& root, std::uint32_t pid) {
  const auto content = read_proc_file(proc_path(root, pid, "stat"), kProcSmallFileMax);
  if (!content) return std::nullopt;
  return parse_stat(*content);
}

void read_environ(const std::string& root, ProcessSnapshot& snapshot) {
  // EACCES (no ptrace-read permission) and a missing file degrade the same way.
  const auto content = read_proc_file(proc_path(root, snapshot.pid, "environ"), kProcLargeFileMax);
  if (!content) {
    snapshot.environ_readable = false;
    return;
  }
  snapshot.environ = parse_environ(*content);
}

// Parent first, up to pid 1; a pid seen twice (a reused pid racing us) ends the walk.
std::vector<Ancestor> read_ancestors(const std::string& root, std::uint32_t pid, std::uint32_t ppid) {
  std::vector<Ancestor> ancestors;
  std::set<std::uint32_t> seen = {pid};
  for (std::uint32_t next = ppid; next != 0 && ancestors.size() < kMaxAncestors;) {
    if (!seen.insert(next).second) break;
    const auto stat = read_stat(root, next);
    if (!stat) break;
    const auto cmdline = read_proc_file(proc_path(root, next, "cmdline"), kProcLargeFileMax);
    ancestors.push_back(
        Ancestor{.pid = next, .comm = stat->comm, .cmdline = join_cmdline(cmdline.value_or(""))});
    if (next == 1) break;
    next = stat->ppid;
  }
  return ancestors;
}

// The files of the process itself; false when its status is unreadable.
bool read_own_files(const std::string& root, ProcessSnapshot& snapshot) {
  const std::uint32_t pid = snapshot.pid;
  const auto status = read_proc_file(proc_path(root, pid, "status"), kProcSmallFileMax);
  if (!status) return false;
  StatusLines lines = parse_status(*status);
  if (!lines.uid) return false;
  snapshot.uid = *lines.uid;
  snapshot.nspid = std::move(lines.nspid);
  snapshot.sig_ign = lines.sig_ign;
  if (const auto raw = read_proc_file(proc_path(root, pid, "cmdline"), kProcLargeFileMax)) {
    snapshot.argv = split_items(*raw, '\0');
    snapshot.cmdline = join_cmdline(*raw);
  }
  if (const auto cgroup = read_proc_file(proc_path(root, pid, "cgroup"), kProcSmallFileMax)) {
    snapshot.cgroup_lines = cgroup_lines_of(*cgroup);
    snapshot.cgroup = parse_cgroup_lines(snapshot.cgroup_lines).value_or("");
  }
  snapshot.exe = read_proc_link(proc_path(root, pid, "exe")).value_or("");
  snapshot.cwd = read_proc_link(proc_path(root, pid, "cwd")).value_or("");
  return true;
}

}  // namespace

std::optional<ProcessSnapshot> read_snapshot(std::uint32_t pid, const std::string& proc_root,
                                             const SnapshotOptions& options) {
  const auto stat = read_stat(proc_root, pid);
  if (!stat || !started_by(stat->start_time, options.boot_ns)) return std::nullopt;
  ProcessSnapshot snapshot;
  snapshot.pid = pid;
  snapshot.ppid = stat->ppid;
  snapshot.comm = stat->comm;
  snapshot.start_time = stat->start_time;
  snapshot.flags = stat->flags;
  // A zombie has exited: its environ and argv are gone, so it is not "live".
  snapshot.exited = stat->state == 'Z' || stat->state == 'X';

  if (!read_own_files(proc_root, snapshot)) return std::nullopt;
  if (!snapshot.exited && options.for_attribution) {
    read_environ(proc_root, snapshot);
    snapshot.stdout_target = read_proc_link(proc_path(proc_root, pid, "fd/1")).value_or("");
    snapshot.ancestors = read_ancestors(proc_root, pid, snapshot.ppid);
  }

  // The pid may have been reused while we read: the start time tells.
  const auto again = read_stat(proc_root, pid);
  if (!again || again->start_time != snapshot.start_time) return std::nullopt;
  return snapshot;
}

}  // namespace bindtrace
