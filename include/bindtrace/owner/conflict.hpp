// Which existing sockets conflict with a bind, by the kernel's rules
// (inet_bind_conflict, inet_bhash2_addr_any_conflict, udp_lib_lport_inuse):
// overlapping addresses (wildcards, IPv6 dual-stack vs IPv4), SO_REUSEADDR,
// SO_REUSEPORT with the same uid. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"
#include "bindtrace/sockets.hpp"

namespace bindtrace {

struct BindRequest {
  Proto proto = Proto::tcp;
  Family family = Family::ipv4;
  std::string addr;          // as decoded (v4-mapped already shown as IPv4)
  std::uint16_t port = 0;
  bool v4_mapped = false;
  bool reuseaddr = false;
  bool reuseport = false;
  bool v6only = false;
  std::uint32_t uid = 0;
  bool is_listen = false;    // a listen() failure: the request socket is already bound
};

[[nodiscard]] BindRequest bind_request_from(const Event& event);

// True when `existing` keeps `request` from binding. A socket whose options
// are unknown (sock_diag) is assumed to conflict when the addresses overlap.
[[nodiscard]] bool conflicts(const BindRequest& request, const SocketEntry& existing);

// Only the address part: do the two bound addresses overlap?
[[nodiscard]] bool addresses_overlap(const BindRequest& request, const SocketEntry& existing);

[[nodiscard]] std::vector<SocketEntry> conflicting_sockets(const BindRequest& request,
                                                           const std::vector<SocketEntry>& sockets);

}  // namespace bindtrace
