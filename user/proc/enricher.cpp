// Completing decoded events (see enricher.hpp).
#include "bindtrace/proc/enricher.hpp"

namespace bindtrace {

unsigned EventEnricher::complete(Event& event) {
  unsigned failed = 0;
  // What /proc says about the pid counts only while it is still the process
  // that made the event: it may have exited, and its pid been reused.
  const auto same_process = [&] { return proc_.is_alive_since(event.process.pid, event.boot_ns); };
  // The kernel's argument snapshot is complete for most commands; only a long
  // one needs /proc, and the process may be gone by then.
  if (event.process.cmdline_truncated) {
    if (auto cmdline = proc_.cmdline(event.process.pid); cmdline && same_process()) {
      event.process.cmdline = std::move(*cmdline);
      event.process.cmdline_truncated = false;
    } else {
      ++failed;
    }
  }
  // The kernel's cgroup id names the cgroup even after the process exited.
  if (auto cgroup = cgroups_.path_of(event.process.cgroup_id)) {
    event.process.cgroup = std::move(*cgroup);
  } else if (auto from_proc = proc_.cgroup_path(event.process.pid); from_proc && same_process()) {
    event.process.cgroup = std::move(*from_proc);
  } else {
    ++failed;
  }
  return failed;
}

}  // namespace bindtrace
