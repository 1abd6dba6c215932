// The /proc reader behind ProcessFacts (see actions/process_facts.hpp).
#include "bindtrace/actions/process_facts.hpp"

#include <charconv>

#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/proc/proc_reader.hpp"

namespace bindtrace {
namespace {

constexpr std::uint64_t kPfKthread = 0x00200000;  // PF_KTHREAD, include/linux/sched.h
constexpr std::uint32_t kKthreadd = 2;

std::vector<std::string> split_nul(const std::string& raw) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at < raw.size()) {
    const std::size_t end = std::min(raw.find('\0', at), raw.size());
    parts.emplace_back(raw, at, end - at);
    at = end + 1;
  }
  return parts;
}

}  // namespace

bool is_kernel_thread(const ProcessFacts& facts) noexcept {
  return (facts.flags & kPfKthread) != 0 || facts.pid == kKthreadd || facts.ppid == kKthreadd ||
         (facts.argv.empty() && facts.exe.empty());
}


std::optional<ProcessFacts> read_process_facts(std::uint32_t pid, const std::string& proc_root) {
  const auto stat = read_proc_file(proc_path(proc_root, pid, "stat"), kProcSmallFileMax);
  if (!stat) return std::nullopt;
  const std::size_t open = stat->find('('), close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open || close + 2 >= stat->size())
    return std::nullopt;
  const char state = (*stat)[close + 2];
  if (state == 'Z' || state == 'X') return std::nullopt;
  const auto ppid = stat_number_field(*stat, 4);
  const auto flags = stat_number_field(*stat, 9);
  const auto start_time = stat_number_field(*stat, 22);
  const ProcReader proc(proc_root);
  const auto uid = proc.uid(pid);
  if (!ppid || !flags || !start_time || !uid) return std::nullopt;

  ProcessFacts facts;
  facts.pid = pid;
  facts.ppid = static_cast<std::uint32_t>(*ppid);
  facts.flags = *flags;
  facts.start_time = *start_time;
  facts.uid = *uid;
  facts.comm = stat->substr(open + 1, close - open - 1);
  facts.exe = proc.exe(pid).value_or("");
  facts.argv =
      split_nul(read_proc_file(proc_path(proc_root, pid, "cmdline"), kProcLargeFileMax).value_or(""));
  // Read last: a pid reused while we read shows up as a new start time.
  if (proc.start_time(pid) != facts.start_time) return std::nullopt;
  return facts;
}

}  // namespace bindtrace
