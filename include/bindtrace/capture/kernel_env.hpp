// Kernel and environment facts that decide what can be traced (BTF, tracefs,
// bpffs, lockdown, capabilities), and the mounts bindtrace makes itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// The sentence for a person when there is no BTF to load against: the kernel
// has none and no --btf FILE was given. nullopt when BTF is available.
[[nodiscard]] std::optional<std::string> missing_btf_message(const KernelFacts& facts,
                                                             const std::string& external_btf);
// --btf FILE: readable and parsed by libbpf as BTF. Throws UsageError naming --btf.
void check_btf_file(const std::string& path);

// The mode in force from the content of /sys/kernel/security/lockdown:
// "none [integrity] confidentiality" -> "integrity"; "" when none is marked.
[[nodiscard]] std::string parse_lockdown(std::string_view content);
// Why tracing cannot work under this lockdown mode (confidentiality removes
// bpf_probe_read_kernel and blocks kprobes, perf and tracefs); "" for other modes.
[[nodiscard]] std::string lockdown_explanation(std::string_view mode);

// Lifts RLIMIT_MEMLOCK before loading: kernels before 5.11 charge BPF maps and
// programs to it (later ones to the memory cgroup). To infinity when allowed
// (CAP_SYS_RESOURCE), else the soft limit to the hard one. Returns the soft
// limit now in force (RLIM_INFINITY for none).
std::uint64_t raise_memlock_rlimit();

// A pin directory that may be created, filled and emptied (agent, unpin):
// an absolute path on bpffs, or below /sys/fs/bpf (mounted on demand), and not
// the root of a bpf filesystem (other tools pin there too). Throws UsageError
// naming `option`, so `unpin --pin-dir /etc` cannot remove a file.
void check_pin_dir(std::string_view option, const std::string& path);

}  // namespace bindtrace
