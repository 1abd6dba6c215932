// A socket endpoint decoded from the raw sockaddr the caller passed: IPv4,
// IPv6 (v4-mapped shown as IPv4), or AF_UNIX (path, or @name when abstract).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace bindtrace {

enum class Family : std::uint8_t { unspec, ipv4, ipv6, unix_, other };

struct Endpoint {
  Family family = Family::unspec;
  int raw_family = 0;       // sa_family as passed (for `other`)
  std::string address;      // "0.0.0.0", "::1", "10.0.0.1" (v4-mapped), unix path or "@name"
  std::uint16_t port = 0;   // host order; 0 for unix
  bool v4_mapped = false;   // IPv6 socket, ::ffff:a.b.c.d address
  bool truncated = false;   // the caller's length exceeded what was captured, or was short
  std::uint32_t scope_id = 0;

  [[nodiscard]] bool has_port() const noexcept { return family == Family::ipv4 || family == Family::ipv6; }
  bool operator==(const Endpoint&) const = default;
};

// Decodes `len` bytes of a sockaddr (len as the caller passed it; only
// bytes.size() of them were captured). Never throws; malformed input gives
// family `other` or `unspec` with what could be read.
[[nodiscard]] Endpoint decode_sockaddr(std::span<const std::uint8_t> bytes, std::uint32_t len) noexcept;

// "0.0.0.0:8001", "[::1]:8001", "/run/x.sock", "@abstract". The address part
// is returned raw: callers escape it for the terminal.
[[nodiscard]] std::string to_string(const Endpoint& endpoint);

// "ipv4", "ipv6", "unix", "other", "unspec" (the JSON "family" values).
[[nodiscard]] std::string_view family_name(Family family) noexcept;

}  // namespace bindtrace
