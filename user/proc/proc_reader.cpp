// Single /proc/PID files read with plain open/read (proc_file.hpp) and parsed
// by proc_text.hpp.
#include "bindtrace/proc/proc_reader.hpp"

#include <unistd.h>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/proc/proc_file.hpp"

namespace bindtrace {

std::optional<std::string> ProcReader::cmdline(std::uint32_t pid) const {
  const auto raw = read_proc_file(proc_path(root_, pid, "cmdline"), kProcLargeFileMax);
  if (!raw) return std::nullopt;
  return join_cmdline(*raw);
}

std::optional<std::string> ProcReader::cgroup_path(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "cgroup"), kProcSmallFileMax);
  if (!content) return std::nullopt;
  return parse_cgroup_file(*content);
}

std::optional<std::string> ProcReader::exe(std::uint32_t pid) const {
  return read_proc_link(proc_path(root_, pid, "exe"));
}

std::optional<std::string> ProcReader::comm(std::uint32_t pid) const {
  auto content = read_proc_file(proc_path(root_, pid, "comm"), kProcSmallFileMax);
  if (!content) return std::nullopt;
  if (!content->empty() && content->back() == '\n') content->pop_back();
  return content;
}

std::optional<std::uint32_t> ProcReader::uid(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "status"), kProcSmallFileMax);
  if (!content) return std::nullopt;
  return parse_status(*content).uid;
}

std::optional<std::uint64_t> ProcReader::start_time(std::uint32_t pid) const {
  const auto content = read_proc_file(proc_path(root_, pid, "stat"), kProcSmallFileMax);
  if (!content) return std::nullopt;
  return stat_number_field(*content, 22);  // starttime
}

std::uint64_t ns_per_clock_tick() noexcept {
  static const std::uint64_t ns = [] {
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return 1'000'000'000ULL / static_cast<std::uint64_t>(ticks > 0 ? ticks : 100);
  }();
  return ns;
}

bool started_by(std::uint64_t start_ticks, std::uint64_t boot_ns) noexcept {
  // The kernel rounds the start time down to a tick (nsec_to_clock_t), so the
  // process that made the event never looks younger than it.
  return boot_ns == 0 || start_ticks <= boot_ns / ns_per_clock_tick();
}

bool ProcReader::is_alive_since(std::uint32_t pid, std::uint64_t boot_ns) const {
  const auto ticks = start_time(pid);
  return ticks && started_by(*ticks, boot_ns);
}

}  // namespace bindtrace
