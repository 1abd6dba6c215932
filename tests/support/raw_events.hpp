// Builds raw ring-buffer records (struct bt_event) for decoder tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bindtrace/abi.h"

namespace bindtrace::testing {

inline bt_event raw_event(int op = BT_OP_BIND, int err = 98) {
  bt_event e{};
  e.ts_ns = 1'000'000'000;
  e.cgroup_id = 4242;
  e.pid = 1207;
  e.tid = 1208;
  e.ppid = 1190;
  e.uid = 1000;
  e.netns = 4026531840u;
  e.err = err;
  e.op = static_cast<__u16>(op);
  e.tier = BT_TIER_TRACEPOINT;
  e.sock_family = AF_INET;
  e.sock_type = SOCK_STREAM;
  e.sock_protocol = IPPROTO_TCP;
  e.sock_flags = BT_SOCK_KNOWN;
  std::memcpy(e.comm, "uvicorn", 7);
  return e;
}

inline void set_ipv4(bt_event& e, const char* addr, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, addr, &sin.sin_addr);
  std::memcpy(e.addr, &sin, sizeof(sin));
  e.addr_len = sizeof(sin);
}

inline void set_ipv6(bt_event& e, const char* addr, std::uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  inet_pton(AF_INET6, addr, &sin6.sin6_addr);
  std::memcpy(e.addr, &sin6, sizeof(sin6));
  e.addr_len = sizeof(sin6);
  e.sock_family = AF_INET6;
}

inline void set_unix(bt_event& e, const std::string& path, bool abstract) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::size_t offset = abstract ? 1 : 0;
  std::memcpy(sun.sun_path + offset, path.data(), path.size());
  std::memcpy(e.addr, &sun, sizeof(sun));
  e.addr_len = static_cast<__u32>(offsetof(sockaddr_un, sun_path) + offset + path.size() + (abstract ? 0 : 1));
  e.sock_family = AF_UNIX;
}

inline std::vector<std::uint8_t> bytes_of(const bt_event& e) {
  std::vector<std::uint8_t> out(sizeof(e));
  std::memcpy(out.data(), &e, sizeof(e));
  return out;
}

}  // namespace bindtrace::testing
