// Kernel facts and the mounts bindtrace makes itself (tracefs, bpffs).
#include "bindtrace/kernel_env.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

struct Mount {
  std::string source, target, type;
};

std::vector<Mount> read_mounts(const std::string& file) {
  std::vector<Mount> mounts;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Mount m;
    if (fields >> m.source >> m.target >> m.type) mounts.push_back(std::move(m));
  }
  return mounts;
}

std::string mount_point_of(const std::string& type, const std::string& file = "/proc/self/mounts") {
  for (const Mount& m : read_mounts(file))
    if (m.type == type) return m.target;
  return {};
}

std::uint64_t effective_caps() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Mounts `type` at `target` unless already mounted there; the error names
// the command a person would run instead.
std::string ensure_mounted(const char* type, const std::string& target) {
  for (const Mount& m : read_mounts("/proc/self/mounts"))
    if (m.type == type && m.target == target) return target;
  if (::mount(type, target.c_str(), type, 0, nullptr) == 0) return target;
  const int err = errno;
  throw UnsupportedError(std::string(type) + " is not mounted and mounting it at " + target +
                         " failed: " + std::strerror(err) + " (needs CAP_SYS_ADMIN; as root: mount -t " +
                         type + " " + type + " " + target + ")");
}

}  // namespace

std::string find_cgroup2_mount(const std::string& mounts_file) {
  std::string unified;
  for (const Mount& m : read_mounts(mounts_file)) {
    if (m.type != "cgroup2") continue;
    if (m.target == "/sys/fs/cgroup") return m.target;  // unified host
    if (unified.empty()) unified = m.target;            // hybrid: /sys/fs/cgroup/unified
  }
  return unified;
}

KernelFacts probe_kernel_facts() {
  KernelFacts facts;
  struct utsname uts {};
  if (::uname(&uts) == 0) facts.release = uts.release;
  facts.btf = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0;
  facts.tracefs = mount_point_of("tracefs");
  facts.bpffs = mount_point_of("bpf");
  facts.cgroup2 = find_cgroup2_mount();

  // "none [integrity] confidentiality": the bracketed word is in force.
  const std::string lockdown = read_first_line("/sys/kernel/security/lockdown");
  if (auto open = lockdown.find('['), close = lockdown.find(']'); open != std::string::npos && close > open)
    facts.lockdown = lockdown.substr(open + 1, close - open - 1);

  const std::uint64_t caps = effective_caps();
  facts.cap_net_admin = caps & (1ULL << kCapNetAdmin);
  facts.cap_sys_admin = caps & (1ULL << kCapSysAdmin);
  facts.cap_perfmon = caps & (1ULL << kCapPerfmon);
  facts.cap_bpf = caps & (1ULL << kCapBpf);
  const std::string unpriv = read_first_line("/proc/sys/kernel/unprivileged_bpf_disabled");
  if (!unpriv.empty()) facts.unprivileged_bpf_disabled = std::atoi(unpriv.c_str());
  return facts;
}

std::string ensure_tracefs() {
  // libbpf prefers /sys/kernel/debug/tracing when it exists (debugfs mounted).
  if (is_dir("/sys/kernel/debug/tracing/events")) return "/sys/kernel/debug/tracing";
  return ensure_mounted("tracefs", "/sys/kernel/tracing");
}

std::string ensure_bpffs() {
  return ensure_mounted("bpf", "/sys/fs/bpf");
}

std::string missing_privilege_message(const KernelFacts& facts) {
  std::string missing;
  if (!facts.cap_bpf) missing += "CAP_BPF";
  if (!facts.cap_perfmon) missing += std::string(missing.empty() ? "" : " and ") + "CAP_PERFMON";
  return "tracing needs " + missing +
         " (or CAP_SYS_ADMIN): run as root, or grant them with "
         "`setcap cap_bpf,cap_perfmon,cap_sys_resource,cap_dac_read_search+ep bindtrace`";
}

}  // namespace bindtrace
