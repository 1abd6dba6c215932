// The kernel's bind-conflict rules, restated over SocketEntry values.
#include "bindtrace/owner/conflict.hpp"

namespace bindtrace {
namespace {

bool is_any_v4(const std::string& a) { return a == "0.0.0.0"; }
bool is_any_v6(const std::string& a) { return a == "::"; }

// An address as the IPv4 stack sees it: IPv4 itself, or a v4-mapped IPv6.
bool v4_view(Family family, bool mapped) { return family == Family::ipv4 || (family == Family::ipv6 && mapped); }

}  // namespace

BindRequest bind_request_from(const Event& event) {
  BindRequest r;
  r.proto = event.proto;
  r.family = event.endpoint.family;
  r.addr = event.endpoint.address;
  r.port = event.endpoint.port;
  r.v4_mapped = event.endpoint.v4_mapped;
  r.reuseaddr = event.socket.reuseaddr;
  r.reuseport = event.socket.reuseport;
  r.v6only = event.socket.v6only;
  r.uid = event.process.uid;
  r.is_listen = event.op == Op::listen;
  return r;
}

bool addresses_overlap(const BindRequest& req, const SocketEntry& sk) {
  const bool req_v4 = v4_view(req.family, req.v4_mapped);
  const bool sk_v4 = v4_view(sk.family, sk.v4_mapped);
  if (req_v4 && sk_v4) return is_any_v4(req.addr) || is_any_v4(sk.local_addr) || req.addr == sk.local_addr;
  if (!req_v4 && !sk_v4) return is_any_v6(req.addr) || is_any_v6(sk.local_addr) || req.addr == sk.local_addr;
  // IPv4 against IPv6: only a dual-stack IPv6 wildcard covers IPv4 addresses.
  if (req_v4) return sk.family == Family::ipv6 && is_any_v6(sk.local_addr) && !sk.v6only;
  return req.family == Family::ipv6 && is_any_v6(req.addr) && !req.v6only;
}

bool conflicts(const BindRequest& req, const SocketEntry& sk) {
  if (sk.proto != req.proto || sk.local_port != req.port) return false;
  if (!addresses_overlap(req, sk)) return false;
  if (!sk.options_known) return true;
  // SO_REUSEPORT on both, same owner uid (TIME_WAIT sockets need no uid match).
  if (req.reuseport && sk.reuseport && (sk.state == TcpState::time_wait || sk.uid == req.uid)) return false;
  if (req.proto == Proto::udp) return !(req.reuseaddr && sk.reuseaddr);
  // SO_REUSEADDR on both lets a bind share with anything but a listener.
  if (req.reuseaddr && sk.reuseaddr && sk.state != TcpState::listen) return false;
  return true;
}

std::vector<SocketEntry> conflicting_sockets(const BindRequest& req, const std::vector<SocketEntry>& sockets) {
  std::vector<SocketEntry> out;
  for (const SocketEntry& sk : sockets)
    if (conflicts(req, sk)) out.push_back(sk);
  return out;
}

}  // namespace bindtrace
