// Sockets as the kernel lists them (BPF iterators, or sock_diag as fallback)
// and the processes that hold them. Plain values shared by every owner path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/attribute.hpp"
#include "bindtrace/events/endpoint.hpp"
#include "bindtrace/events/kinds.hpp"

namespace bindtrace {

// Linux TCP states (include/net/tcp_states.h); UDP sockets report 7 (CLOSE)
// when unconnected.
enum class TcpState : std::uint8_t {
  established = 1, syn_sent, syn_recv, fin_wait1, fin_wait2, time_wait, close, close_wait,
  last_ack, listen, closing, new_syn_recv
};

[[nodiscard]] std::string_view tcp_state_name(TcpState state) noexcept;  // "LISTEN", "TIME_WAIT", ...

struct SocketEntry {
  Proto proto = Proto::tcp;
  Family family = Family::ipv4;
  TcpState state = TcpState::listen;
  std::string local_addr;    // "0.0.0.0", "::", "127.0.0.1" (v4-mapped shown as IPv4 with v4_mapped)
  std::uint16_t local_port = 0;
  std::string remote_addr;
  std::uint16_t remote_port = 0;
  bool v4_mapped = false;
  std::uint64_t inode = 0;   // 0 for TIME_WAIT (kernel-owned)
  std::uint64_t cookie = 0;  // socket cookie, 0 when unknown
  std::uint32_t uid = 0;
  std::uint32_t netns = 0;
  bool options_known = false;  // reuse flags read (iterators); sock_diag cannot see them
  bool reuseaddr = false;
  bool reuseport = false;
  bool v6only = false;
  std::int64_t expires_ms = -1;  // TIME_WAIT: ms until the kernel frees it; -1 unknown
};

// Where a holder stands among the processes sharing one socket: a server that
// forks after listen() (nginx, gunicorn, a prefork pool) has a main process
// and workers holding the same socket.
enum class HolderRole : std::uint8_t {
  sole,    // nobody else holds it (or how they relate is not known)
  main,    // its parent holds none of it; other holders descend from it
  worker,  // forked (directly or not) from another holder of the socket
};

// A task holding a socket (one socket can have several: fork, fd passing).
struct Holder {
  std::uint32_t pid = 0;
  std::uint32_t ppid = 0;  // 0 when unknown
  HolderRole role = HolderRole::sole;
  std::string comm;
  std::string cmdline;
  std::uint32_t uid = 0;
  std::string cgroup;
  std::uint64_t start_time = 0;  // /proc/PID/stat field 22, guards against pid reuse
  std::uint64_t inode = 0;       // the socket held
  int fd = -1;
  std::optional<Service> service;  // the manager behind it (attribution)
  std::string exe;                 // /proc/PID/exe target
  std::string cwd;                 // /proc/PID/cwd target
};

// What to list: sockets bound to `port` (0 = every port) of `proto` in the
// network namespace `netns` (0 = the caller's own).
struct SocketQuery {
  Proto proto = Proto::tcp;
  std::uint16_t port = 0;
  std::uint32_t netns = 0;
  bool listening_only = false;  // `who` without ports: listeners (and bound UDP) only
};

}  // namespace bindtrace
