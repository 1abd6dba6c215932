// Completing a decoded event with what the kernel did not put in the record:
// the cgroup path (from the kernel's cgroup id, else /proc) and a command
// line longer than the kernel's snapshot. Runs on the capture thread without
// an owner worker, on the worker's thread with one (off the capture path).
// Not thread-safe: one per thread.
#pragma once

#include <optional>
#include <string>

#include "bindtrace/proc/cgroup_id_cache.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/proc/proc_reader.hpp"

namespace bindtrace {

class EventEnricher {
 public:
  explicit EventEnricher(const std::string& proc_root = "/proc") : proc_(proc_root) {}
  // Returns how many lookups failed (the process may be gone): counted by the caller.
  // Reads the single /proc files it needs.
  unsigned complete(Event& event);
  // The same from the process's snapshot, already read (with the event's boot
  // time) for this event: nullopt when the process is gone or its pid reused.
  unsigned complete(Event& event, const std::optional<ProcessSnapshot>& process);

 private:
  ProcReader proc_;
  CgroupIdCache cgroups_;
};

}  // namespace bindtrace
