// Nearest free ports by trial bind (see alternatives.hpp).
#include "bindtrace/owner/alternatives.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include "bindtrace/owner/netns.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

std::uint32_t read_number(const char* path, std::uint32_t fallback) {
  const auto content = read_proc_file(path, 64);
  std::uint32_t value = 0;
  if (!content || std::from_chars(content->data(), content->data() + content->size(), value).ec != std::errc())
    return fallback;
  return value;
}

// True when a fresh socket like the failing one can bind addr:port now.
bool can_bind(const Event& event, std::uint16_t port) {
  const int family = event.endpoint.family == Family::ipv6 ? AF_INET6 : AF_INET;
  const int type = event.proto == Proto::udp ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(::socket(family, type | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  if (family == AF_INET6) {
    const int v6only = event.socket.v6only ? 1 : 0;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    const std::string addr = event.endpoint.v4_mapped ? "::ffff:" + event.endpoint.address : event.endpoint.address;
    if (inet_pton(AF_INET6, addr.c_str(), &sin6.sin6_addr) != 1) return false;
    sin6.sin6_scope_id = event.endpoint.scope_id;
    return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) == 0;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (inet_pton(AF_INET, event.endpoint.address.c_str(), &sin.sin_addr) != 1) return false;
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
}

}  // namespace

std::optional<PortRange> parse_port_range(std::string_view content) {
  unsigned first = 0, last = 0;
  const char* p = content.data();
  const char* end = content.data() + content.size();
  auto r = std::from_chars(p, end, first);
  if (r.ec != std::errc()) return std::nullopt;
  p = r.ptr;
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  r = std::from_chars(p, end, last);
  if (r.ec != std::errc() || first > last || last > 65535) return std::nullopt;
  return PortRange{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last)};
}

std::vector<std::uint16_t> candidate_ports(std::uint16_t port, PortRange ephemeral, std::uint32_t unprivileged_start,
                                           bool privileged, std::size_t limit) {
  std::vector<std::uint16_t> out;
  auto usable = [&](long p) {
    if (p <= 0 || p > 65535) return false;
    if (p >= ephemeral.first && p <= ephemeral.last) return false;
    return privileged || p >= static_cast<long>(unprivileged_start);
  };
  for (long step = 1; step <= 65535 && out.size() < limit; ++step) {
    const bool up_in = port + step <= 65535, down_in = port - step >= 1;
    if (!up_in && !down_in) break;
    if (usable(port + step)) out.push_back(static_cast<std::uint16_t>(port + step));
    if (out.size() < limit && usable(port - step)) out.push_back(static_cast<std::uint16_t>(port - step));
  }
  return out;
}

std::vector<std::uint16_t> nearest_free_ports(const Event& event, std::size_t count) {
  std::vector<std::uint16_t> free;
  if (!has_blocking_owner(event) || event.proto == Proto::other)
    return free;
  try {
    NetnsScope in_netns(event.netns, event.process.pid);
    // Read inside the namespace: these sysctls are per network namespace.
    const auto range = read_proc_file("/proc/sys/net/ipv4/ip_local_port_range", 64);
    const PortRange ephemeral = range ? parse_port_range(*range).value_or(PortRange{}) : PortRange{};
    const std::uint32_t unprivileged = read_number("/proc/sys/net/ipv4/ip_unprivileged_port_start", 1024);
    for (std::uint16_t candidate :
         candidate_ports(event.endpoint.port, ephemeral, unprivileged, event.process.uid == 0, 64)) {
      if (can_bind(event, candidate)) free.push_back(candidate);
      if (free.size() >= count) break;
    }
  } catch (const std::exception&) {
    // The namespace is gone: nothing can be proven free there.
  }
  return free;
}

bool endpoint_is_free(const Event& event) {
  if (!event.endpoint.has_port() || event.proto == Proto::other) return false;
  try {
    NetnsScope in_netns(event.netns, event.process.pid);
    return can_bind(event, event.endpoint.port);
  } catch (const std::exception&) {
    return false;  // the namespace is gone: nothing can be proven free there
  }
}

}  // namespace bindtrace
