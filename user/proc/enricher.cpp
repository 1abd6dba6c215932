// Completing decoded events (see enricher.hpp).
#include "bindtrace/proc/enricher.hpp"

namespace bindtrace {
namespace {

// `cmdline` and `cgroup` give what /proc says, nullopt when it cannot tell
// about the process that made the event.
template <typename Cmdline, typename Cgroup>
unsigned fill(Event& event, CgroupIdCache& cgroups, Cmdline cmdline, Cgroup cgroup) {
  unsigned failed = 0;
  // The kernel's argument snapshot is complete for most commands; only a long
  // one needs /proc, and the process may be gone by then.
  if (event.process.cmdline_truncated) {
    if (auto full = cmdline()) {
      event.process.cmdline = std::move(*full);
      event.process.cmdline_truncated = false;
    } else {
      ++failed;
    }
  }
  // The kernel's cgroup id names the cgroup even after the process exited.
  if (auto path = cgroups.path_of(event.process.cgroup_id)) {
    event.process.cgroup = std::move(*path);
  } else if (auto from_proc = cgroup()) {
    event.process.cgroup = std::move(*from_proc);
  } else {
    ++failed;
  }
  return failed;
}

}  // namespace

unsigned EventEnricher::complete(Event& event) {
  // What /proc says about the pid counts only while it is still the process
  // that made the event: it may have exited, and its pid been reused.
  const auto same_process = [&](std::optional<std::string> read) -> std::optional<std::string> {
    if (read && proc_.is_alive_since(event.process.pid, event.boot_ns)) return read;
    return std::nullopt;
  };
  return fill(
      event, cgroups_, [&] { return same_process(proc_.cmdline(event.process.pid)); },
      [&] { return same_process(proc_.cgroup_path(event.process.pid)); });
}

unsigned EventEnricher::complete(Event& event, const std::optional<ProcessSnapshot>& process) {
  return fill(
      event, cgroups_, [&] { return process ? std::optional(process->cmdline) : std::nullopt; },
      [&] { return process && !process->cgroup.empty() ? std::optional(process->cgroup) : std::nullopt; });
}

}  // namespace bindtrace
