// What the user asked to see (--port, --pid, --comm, --errno, --cgroup,
// --netns, --all), parsed and validated. The loader turns it into .rodata.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

struct FilterSpec {
  std::bitset<65536> ports;        // empty: every port
  std::bitset<128> errnos;         // empty: every errno
  std::uint32_t pid = 0;           // 0: any
  std::string comm;                // prefix, at most 15 bytes; empty: any
  std::uint64_t cgroup_id = 0;     // 0: any (matches the cgroup and below)
  std::uint32_t cgroup_level = 0;  // depth of that cgroup below the cgroup2 root
  std::string cgroup_path;         // as given, for messages
  std::uint32_t netns = 0;         // 0: any
  bool all_binds = false;          // also successful binds

  [[nodiscard]] bool has_port_filter() const noexcept { return ports.any(); }
  [[nodiscard]] bool has_errno_filter() const noexcept { return errnos.any(); }
};

// "8001", "8000-8099" (inclusive), "0" allowed; throws UsageError naming the
// option on anything else ("--port: '70000' is not a port or range ...").
void add_port_spec(FilterSpec& spec, std::string_view text);
// Name or number (see parse_errno); must be 1..127. Throws UsageError.
void add_errno_spec(FilterSpec& spec, std::string_view text);
// At most 15 bytes (the kernel's comm length). Throws UsageError.
void set_comm_spec(FilterSpec& spec, std::string_view text);
// A positive pid. Throws UsageError.
void set_pid_spec(FilterSpec& spec, std::string_view text);

// A cgroup path: absolute inside the cgroup2 mount (/sys/fs/cgroup/unified/x
// or /sys/fs/cgroup/x) or relative to it ("system.slice/x.service").
// cgroup2_root is where cgroup2 is mounted. Throws UsageError when missing.
void set_cgroup_spec(FilterSpec& spec, std::string_view text, const std::string& cgroup2_root);

// A network namespace: a pid (its /proc/PID/ns/net), a path to an nsfs file
// (/run/netns/x), or an inode number (>= 4026531832, the first proc inode; the
// initial namespace is 4026531833 on recent kernels). Throws UsageError.
void set_netns_spec(FilterSpec& spec, std::string_view text, const std::string& proc_root = "/proc");

// "30s", "5m", "1h", "250ms", "2" (seconds). Throws UsageError naming option.
[[nodiscard]] std::uint64_t parse_duration_ms(std::string_view option, std::string_view text);

}  // namespace bindtrace
