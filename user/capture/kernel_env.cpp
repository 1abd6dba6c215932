// Kernel facts and the mounts bindtrace makes itself (tracefs, bpffs).
#include "bindtrace/capture/kernel_env.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;
constexpr long kBpfFsMagic = 0xcafe4a11;  // BPF_FS_MAGIC, linux/magic.h
constexpr const char* kBpffsDefault = "/sys/fs/bpf";

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

  facts.lockdown = parse_lockdown(read_first_line("/sys/kernel/security/lockdown"));

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

std::optional<std::string> missing_btf_message(const KernelFacts& facts, const std::string& external_btf) {
  if (facts.btf || !external_btf.empty()) return std::nullopt;
  const std::string release = facts.release.empty() ? "(unknown)" : facts.release;
  return "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing; it comes with "
         "CONFIG_DEBUG_INFO_BTF=y): pass one made for kernel " +
         release + " with --btf FILE";
}

void check_btf_file(const std::string& path) {
  if (path.empty()) throw UsageError("--btf: the path is empty");
  const std::string shown = escape_for_terminal(path);
  if (::access(path.c_str(), R_OK) != 0)
    throw UsageError("--btf: '" + shown + "' cannot be read (" + std::strerror(errno) + ")");
  // libbpf reads the whole file: /dev/zero would never end, /proc/kcore is "128T".
  constexpr off_t kMaxBtfFile = off_t{4} << 30;  // a vmlinux with full debug info fits
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxBtfFile)
    throw UsageError("--btf: '" + shown +
                     "' is not a BTF file (a regular file of at most 4G: raw BTF or a vmlinux ELF)");
  // libbpf's default printer would add its own lines to our one-line error.
  const libbpf_print_fn_t printer = libbpf_set_print(nullptr);
  btf* parsed = btf__parse(path.c_str(), nullptr);
  const int err = errno;
  libbpf_set_print(printer);
  if (!parsed) {
    char reason[128] = {};
    libbpf_strerror(err, reason, sizeof(reason));  // knows libbpf's own codes ("Invalid BPF object format")
    throw UsageError("--btf: '" + shown + "' is not a BTF file (" + reason + ")");
  }
  btf__free(parsed);
}

std::string parse_lockdown(std::string_view content) {
  const std::size_t open = content.find('[');
  const std::size_t close = content.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  return std::string(content.substr(open + 1, close - open - 1));
}

std::string lockdown_explanation(std::string_view mode) {
  // security/lockdown: LOCKDOWN_BPF_READ_KERNEL, LOCKDOWN_KPROBES, LOCKDOWN_PERF
  // and LOCKDOWN_TRACEFS all sit above LOCKDOWN_INTEGRITY_MAX.
  if (mode != "confidentiality") return {};
  return "kernel lockdown is in confidentiality mode (/sys/kernel/security/lockdown), which takes "
         "bpf_probe_read_kernel from BPF programs and blocks kprobes, perf events and tracefs, so "
         "nothing can be traced; lockdown cannot be lowered at run time: boot with lockdown=integrity "
         "(or none)";
}

std::uint64_t raise_memlock_rlimit() {
  rlimit now{};
  if (::getrlimit(RLIMIT_MEMLOCK, &now) != 0) return 0;
  if (now.rlim_cur == RLIM_INFINITY) return RLIM_INFINITY;
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) return RLIM_INFINITY;
  // Without CAP_SYS_RESOURCE the soft limit may still go up to the hard one.
  const rlimit to_hard{now.rlim_max, now.rlim_max};
  if (now.rlim_cur < now.rlim_max && ::setrlimit(RLIMIT_MEMLOCK, &to_hard) == 0) return now.rlim_max;
  return now.rlim_cur;
}

void check_pin_dir(std::string_view option, const std::string& path) {
  namespace fs = std::filesystem;
  const std::string name(option);
  if (path.empty()) throw UsageError(name + ": the path is empty");
  auto reject = [&](const std::string& why) {
    throw UsageError(name + ": '" + escape_for_terminal(path) + "' " + why);
  };
  fs::path normal = fs::path(path).lexically_normal();
  if (!normal.is_absolute()) reject("is not an absolute path");
  if (normal.filename().empty() && normal.has_parent_path() && normal != normal.root_path())
    normal = normal.parent_path();  // "/sys/fs/bpf/x/" -> "/sys/fs/bpf/x"

  bool bpf_mount_root = normal == kBpffsDefault;
  for (const Mount& m : read_mounts("/proc/self/mounts"))
    if (m.type == "bpf" && fs::path(m.target) == normal) bpf_mount_root = true;
  if (bpf_mount_root)
    reject(
        "is the root of a bpf filesystem, where other programs pin too (use a directory of its own, e.g. " +
        std::string(kBpffsDefault) + "/bindtrace)");

  // The nearest part of the path that exists tells which filesystem it is on.
  fs::path existing = normal;
  struct statfs st {};
  while (::statfs(existing.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR)
      reject(std::string("cannot be checked (") + std::strerror(errno) + ")");
    existing = existing.parent_path();
  }
  if (st.f_type == kBpfFsMagic) return;
  // Below /sys/fs/bpf while bpffs is not mounted there: ensure_bpffs() mounts it.
  const fs::path below = normal.lexically_relative(kBpffsDefault);
  if (!below.empty() && *below.begin() != "..") return;
  reject("is not on a bpf filesystem (pins live on bpffs, e.g. " + std::string(kBpffsDefault) +
         "/bindtrace)");
}

}  // namespace bindtrace
