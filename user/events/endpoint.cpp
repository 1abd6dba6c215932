// Decodes the sockaddr bytes captured at bind/listen/connect time. The caller's
// length is trusted only as far as bytes were captured.
#include "bindtrace/events/endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace bindtrace {
namespace {

constexpr std::size_t kFamilySize = sizeof(sa_family_t);

// Copies what exists into a zeroed struct, so a short sockaddr decodes with
// zeros where the caller gave nothing.
template <typename Sockaddr>
Sockaddr copy_prefix(std::span<const std::uint8_t> available) noexcept {
  Sockaddr out{};
  std::memcpy(&out, available.data(), std::min(available.size(), sizeof(out)));
  return out;
}

void decode_ipv4(std::span<const std::uint8_t> available, Endpoint& endpoint) {
  const auto sin = copy_prefix<sockaddr_in>(available);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
  endpoint.family = Family::ipv4;
  endpoint.address = text;
  endpoint.port = ntohs(sin.sin_port);
  endpoint.truncated = available.size() < offsetof(sockaddr_in, sin_zero);
}

void decode_ipv6(std::span<const std::uint8_t> available, Endpoint& endpoint) {
  const auto sin6 = copy_prefix<sockaddr_in6>(available);
  endpoint.family = Family::ipv6;
  endpoint.port = ntohs(sin6.sin6_port);
  // The kernel accepts the 24-byte RFC 2133 layout, which has no scope id.
  endpoint.truncated = available.size() < offsetof(sockaddr_in6, sin6_scope_id);
  if (available.size() >= sizeof(sockaddr_in6)) endpoint.scope_id = sin6.sin6_scope_id;
  if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &sin6.sin6_addr.s6_addr[12], text, sizeof(text));
    endpoint.address = text;
    endpoint.v4_mapped = true;
  } else {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof(text));
    endpoint.address = text;
  }
}

// `path` is sun_path up to the caller's length. An abstract name (leading NUL)
// is every byte after that NUL, NULs included.
void decode_unix(std::span<const std::uint8_t> path, bool length_exceeds_capture, Endpoint& endpoint) {
  endpoint.family = Family::unix_;
  const char* begin = reinterpret_cast<const char*>(path.data());
  if (path.empty()) {
    // Nothing after the family: an unnamed (autobind) address, unless the capture ended early.
    endpoint.truncated = length_exceeds_capture;
    return;
  }
  if (path.front() == 0) {
    endpoint.address = "@";
    endpoint.address.append(begin + 1, path.size() - 1);
    endpoint.truncated = length_exceeds_capture;
    return;
  }
  const auto nul = std::find(path.begin(), path.end(), std::uint8_t{0});
  endpoint.address.assign(begin, static_cast<std::size_t>(nul - path.begin()));
  endpoint.truncated = nul == path.end() && length_exceeds_capture;
}

}  // namespace

Endpoint decode_sockaddr(std::span<const std::uint8_t> bytes, std::uint32_t len) noexcept {
  Endpoint endpoint;
  if (len < kFamilySize) return endpoint;
  if (bytes.size() < kFamilySize) {
    endpoint.truncated = true;
    return endpoint;
  }
  sa_family_t family = 0;
  std::memcpy(&family, bytes.data(), kFamilySize);
  endpoint.raw_family = family;
  const bool length_exceeds_capture = len > bytes.size();
  const auto available = bytes.first(std::min<std::size_t>(len, bytes.size()));
  try {
    switch (family) {
      case AF_INET:
        decode_ipv4(available, endpoint);
        break;
      case AF_INET6:
        decode_ipv6(available, endpoint);
        break;
      case AF_UNIX:
        decode_unix(available.subspan(offsetof(sockaddr_un, sun_path)), length_exceeds_capture, endpoint);
        break;
      case AF_UNSPEC:
        break;
      default:
        endpoint.family = Family::other;
        break;
    }
  } catch (...) {
    // Only an allocation failure can land here; keep the family, drop the text.
    endpoint.address.clear();
  }
  return endpoint;
}

std::string to_string(const Endpoint& endpoint) {
  const std::string port = std::to_string(endpoint.port);
  switch (endpoint.family) {
    case Family::ipv4:
      return endpoint.address + ":" + port;
    case Family::ipv6:
      if (endpoint.v4_mapped) return endpoint.address + ":" + port;
      if (endpoint.scope_id != 0) {
        return "[" + endpoint.address + "%" + std::to_string(endpoint.scope_id) + "]:" + port;
      }
      return "[" + endpoint.address + "]:" + port;
    case Family::unix_:
      return endpoint.address;
    case Family::other:
      return "family " + std::to_string(endpoint.raw_family);
    case Family::unspec:
      break;
  }
  return "unspec";
}

std::string_view family_name(Family family) noexcept {
  switch (family) {
    case Family::ipv4:
      return "ipv4";
    case Family::ipv6:
      return "ipv6";
    case Family::unix_:
      return "unix";
    case Family::other:
      return "other";
    case Family::unspec:
      break;
  }
  return "unspec";
}

}  // namespace bindtrace
