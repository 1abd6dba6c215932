// ProcessFacts from one snapshot read (see actions/process_facts.hpp).
#include "bindtrace/actions/process_facts.hpp"

#include "bindtrace/proc/snapshot_reader.hpp"

namespace bindtrace {
namespace {

constexpr std::uint64_t kPfKthread = 0x00200000;  // PF_KTHREAD, include/linux/sched.h
constexpr std::uint32_t kKthreadd = 2;

}  // namespace

bool is_kernel_thread(const ProcessFacts& facts) noexcept {
  return (facts.flags & kPfKthread) != 0 || facts.pid == kKthreadd || facts.ppid == kKthreadd ||
         (facts.argv.empty() && facts.exe.empty());
}

std::optional<ProcessFacts> read_process_facts(std::uint32_t pid, const std::string& proc_root) {
  auto snapshot = read_snapshot(pid, proc_root, SnapshotOptions{.for_attribution = false});
  if (!snapshot || snapshot->exited) return std::nullopt;
  return snapshot;
}

}  // namespace bindtrace
