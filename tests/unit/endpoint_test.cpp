#include "bindtrace/events/endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace bindtrace {
namespace {

using std::string_literals::operator""s;  // "\0..."s keeps embedded NULs

template <typename Sockaddr>
std::vector<std::uint8_t> bytes_of(const Sockaddr& addr) {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(&addr);
  return {begin, begin + sizeof(addr)};
}

sockaddr_in ipv4(const char* address, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, address, &sin.sin_addr);
  return sin;
}

sockaddr_in6 ipv6(const char* address, std::uint16_t port, std::uint32_t scope_id = 0) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_scope_id = scope_id;
  inet_pton(AF_INET6, address, &sin6.sin6_addr);
  return sin6;
}

// A sockaddr_un whose sun_path holds `path` and is otherwise filled with 'X',
// so reading past the caller's length shows up in the result.
sockaddr_un unix_path(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memset(sun.sun_path, 'X', sizeof(sun.sun_path));
  std::memcpy(sun.sun_path, path.data(), path.size());
  return sun;
}

std::uint32_t unix_len(const std::string& path) {
  return static_cast<std::uint32_t>(offsetof(sockaddr_un, sun_path) + path.size());
}

TEST(Endpoint, Ipv4WildcardIsShownWithPort) {
  const auto bytes = bytes_of(ipv4("0.0.0.0", 8001));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_in));
  EXPECT_EQ(endpoint.family, Family::ipv4);
  EXPECT_EQ(endpoint.address, "0.0.0.0");
  EXPECT_EQ(endpoint.port, 8001);
  EXPECT_FALSE(endpoint.truncated);
  EXPECT_EQ(to_string(endpoint), "0.0.0.0:8001");
}

TEST(Endpoint, Ipv4PortIsReadInNetworkOrder) {
  const auto bytes = bytes_of(ipv4("10.1.2.3", 0x1234));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_in));
  EXPECT_EQ(endpoint.port, 0x1234);
  EXPECT_EQ(to_string(endpoint), "10.1.2.3:4660");
}

TEST(Endpoint, Ipv4LengthBeyondCaptureIsNotTruncated) {
  // sizeof(sockaddr_storage) is a common length; only 16 bytes matter.
  const auto bytes = bytes_of(ipv4("127.0.0.1", 443));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_storage));
  EXPECT_EQ(to_string(endpoint), "127.0.0.1:443");
  EXPECT_FALSE(endpoint.truncated);
}

TEST(Endpoint, Ipv4ShorterThanAddressIsTruncatedAndReadOnlyToLength) {
  const auto bytes = bytes_of(ipv4("10.1.2.3", 80));
  const Endpoint endpoint = decode_sockaddr(bytes, 6);
  EXPECT_TRUE(endpoint.truncated);
  EXPECT_EQ(endpoint.address, "10.1.0.0");
  EXPECT_EQ(endpoint.port, 80);
}

TEST(Endpoint, Ipv6LoopbackIsBracketed) {
  const auto bytes = bytes_of(ipv6("::1", 8001));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_in6));
  EXPECT_EQ(endpoint.family, Family::ipv6);
  EXPECT_EQ(endpoint.address, "::1");
  EXPECT_FALSE(endpoint.v4_mapped);
  EXPECT_EQ(to_string(endpoint), "[::1]:8001");
}

TEST(Endpoint, Ipv6ScopeIdIsShownAfterPercent) {
  const auto bytes = bytes_of(ipv6("fe80::1", 80, 3));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_in6));
  EXPECT_EQ(endpoint.scope_id, 3u);
  EXPECT_EQ(endpoint.address, "fe80::1");
  EXPECT_EQ(to_string(endpoint), "[fe80::1%3]:80");
}

TEST(Endpoint, Ipv6Rfc2133LengthIsCompleteWithoutScope) {
  const auto bytes = bytes_of(ipv6("fe80::1", 80, 3));
  const Endpoint endpoint = decode_sockaddr(bytes, 24);
  EXPECT_FALSE(endpoint.truncated);
  EXPECT_EQ(endpoint.scope_id, 0u);
  EXPECT_EQ(to_string(endpoint), "[fe80::1]:80");
}

TEST(Endpoint, Ipv6ShorterThanAddressIsTruncated) {
  const auto bytes = bytes_of(ipv6("2001:db8::1", 443));
  const Endpoint endpoint = decode_sockaddr(bytes, 16);
  EXPECT_TRUE(endpoint.truncated);
  EXPECT_EQ(endpoint.port, 443);
  EXPECT_EQ(endpoint.address, "2001:db8::");
}

TEST(Endpoint, V4MappedIpv6IsShownAsIpv4) {
  const auto bytes = bytes_of(ipv6("::ffff:1.2.3.4", 80));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_in6));
  EXPECT_EQ(endpoint.family, Family::ipv6);
  EXPECT_TRUE(endpoint.v4_mapped);
  EXPECT_EQ(endpoint.address, "1.2.3.4");
  EXPECT_EQ(to_string(endpoint), "1.2.3.4:80");
}

TEST(Endpoint, UnixPathStopsAtFirstNul) {
  const auto bytes = bytes_of(unix_path("/run/x.sock\0"s));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sockaddr_un));
  EXPECT_EQ(endpoint.family, Family::unix_);
  EXPECT_EQ(endpoint.address, "/run/x.sock");
  EXPECT_EQ(endpoint.port, 0);
  EXPECT_FALSE(endpoint.truncated);
  EXPECT_EQ(to_string(endpoint), "/run/x.sock");
}

TEST(Endpoint, UnixPathWithoutNulEndsAtCallerLength) {
  const std::string path = "/tmp/app.sock";
  const auto bytes = bytes_of(unix_path(path));
  const Endpoint endpoint = decode_sockaddr(bytes, unix_len(path));
  EXPECT_EQ(endpoint.address, "/tmp/app.sock");
  EXPECT_FALSE(endpoint.truncated);
}

TEST(Endpoint, AbstractUnixNameIsShownWithAt) {
  const std::string path = "\0bindtrace"s;
  const auto bytes = bytes_of(unix_path(path));
  const Endpoint endpoint = decode_sockaddr(bytes, unix_len(path));
  EXPECT_EQ(endpoint.address, "@bindtrace");
  EXPECT_EQ(to_string(endpoint), "@bindtrace");
}

TEST(Endpoint, AbstractUnixNameKeepsEmbeddedNuls) {
  const std::string path = "\0a\0b\0"s;
  const auto bytes = bytes_of(unix_path(path));
  const Endpoint endpoint = decode_sockaddr(bytes, unix_len(path));
  EXPECT_EQ(endpoint.address, "@a\0b\0"s);
}

TEST(Endpoint, UnnamedUnixBindHasEmptyAddress) {
  const auto bytes = bytes_of(unix_path(""));
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sa_family_t));
  EXPECT_EQ(endpoint.family, Family::unix_);
  EXPECT_EQ(endpoint.address, "");
  EXPECT_FALSE(endpoint.truncated);
  EXPECT_EQ(to_string(endpoint), "");
}

TEST(Endpoint, UnixPathCutByCaptureIsTruncated) {
  const auto full = bytes_of(unix_path("/very/long/socket/path"));
  const std::span<const std::uint8_t> captured(full.data(), 12);
  const Endpoint endpoint = decode_sockaddr(captured, sizeof(sockaddr_un));
  EXPECT_TRUE(endpoint.truncated);
  EXPECT_EQ(endpoint.address, "/very/long");
}

TEST(Endpoint, UnknownFamilyIsOtherWithRawFamily) {
  sockaddr sa{};
  sa.sa_family = AF_PACKET;
  const auto bytes = bytes_of(sa);
  const Endpoint endpoint = decode_sockaddr(bytes, sizeof(sa));
  EXPECT_EQ(endpoint.family, Family::other);
  EXPECT_EQ(endpoint.raw_family, AF_PACKET);
  EXPECT_FALSE(endpoint.has_port());
  EXPECT_EQ(to_string(endpoint), "family 17");
}

TEST(Endpoint, LengthShorterThanFamilyIsUnspec) {
  const auto bytes = bytes_of(ipv4("1.2.3.4", 80));
  for (const std::uint32_t len : {0u, 1u}) {
    const Endpoint endpoint = decode_sockaddr(bytes, len);
    EXPECT_EQ(endpoint, Endpoint{}) << len;
    EXPECT_EQ(to_string(endpoint), "unspec");
  }
}

TEST(Endpoint, CaptureShorterThanFamilyIsUnspecAndTruncated) {
  const std::uint8_t one_byte[] = {AF_INET};
  const Endpoint endpoint = decode_sockaddr(one_byte, sizeof(sockaddr_in));
  EXPECT_EQ(endpoint.family, Family::unspec);
  EXPECT_TRUE(endpoint.truncated);
}

TEST(Endpoint, FamilyNamesAreTheJsonValues) {
  EXPECT_EQ(family_name(Family::ipv4), "ipv4");
  EXPECT_EQ(family_name(Family::ipv6), "ipv6");
  EXPECT_EQ(family_name(Family::unix_), "unix");
  EXPECT_EQ(family_name(Family::other), "other");
  EXPECT_EQ(family_name(Family::unspec), "unspec");
}

}  // namespace
}  // namespace bindtrace
