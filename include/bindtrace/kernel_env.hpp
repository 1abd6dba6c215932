// Kernel and environment facts that decide what can be traced (BTF, tracefs,
// bpffs, lockdown, capabilities), and the mounts bindtrace makes itself.
#pragma once

#include <string>
#include <vector>

namespace bindtrace {

struct KernelFacts {
  std::string release;          // uname -r
  bool btf = false;             // /sys/kernel/btf/vmlinux readable
  std::string tracefs;          // mount point, empty when not mounted
  std::string bpffs;            // mount point, empty when not mounted
  std::string lockdown;         // "none", "integrity", "confidentiality", "" when unknown
  std::string cgroup2;          // cgroup2 mount point (unified or hybrid)
  bool cap_bpf = false;
  bool cap_perfmon = false;
  bool cap_sys_admin = false;
  bool cap_net_admin = false;
  int unprivileged_bpf_disabled = -1;

  // True when the capabilities allow loading tracing programs.
  [[nodiscard]] bool can_trace() const noexcept { return cap_sys_admin || (cap_bpf && cap_perfmon); }
};

[[nodiscard]] KernelFacts probe_kernel_facts();

// Mounts tracefs at /sys/kernel/tracing (or finds it, also under
// /sys/kernel/debug/tracing). Returns the mount point; throws UnsupportedError
// naming the reason when it cannot.
std::string ensure_tracefs();
// Mounts bpffs at /sys/fs/bpf when absent. Same contract.
std::string ensure_bpffs();

// Where cgroup2 is mounted: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid).
[[nodiscard]] std::string find_cgroup2_mount(const std::string& mounts_file = "/proc/self/mounts");

// The sentence for a person when tracing is not permitted.
[[nodiscard]] std::string missing_privilege_message(const KernelFacts& facts);

}  // namespace bindtrace
