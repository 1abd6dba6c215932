// The pure parsers of the fallback owner path: /proc/PID/fd link text and
// inet_diag netlink payloads (built here as the kernel lays them out).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "bindtrace/owner/proc_fd_scan.hpp"
#include "bindtrace/owner/sock_diag.hpp"

namespace bindtrace {
namespace {

TEST(ParseSocketLink, SocketLinkGivesItsInode) {
  EXPECT_EQ(parse_socket_link("socket:[12345]"), 12345u);
}

TEST(ParseSocketLink, LargestInodeIsAccepted) {
  EXPECT_EQ(parse_socket_link("socket:[18446744073709551615]"), std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseSocketLink, InodeOverflowIsRejected) {
  EXPECT_EQ(parse_socket_link("socket:[18446744073709551616]"), std::nullopt);
}

TEST(ParseSocketLink, OtherFdKindsAreNotSockets) {
  EXPECT_EQ(parse_socket_link("anon_inode:[eventfd]"), std::nullopt);
  EXPECT_EQ(parse_socket_link("pipe:[12345]"), std::nullopt);
  EXPECT_EQ(parse_socket_link("/dev/null"), std::nullopt);
}

TEST(ParseSocketLink, EmptyInodeIsRejected) {
  EXPECT_EQ(parse_socket_link("socket:[]"), std::nullopt);
}

TEST(ParseSocketLink, GarbageIsRejected) {
  for (const char* link :
       {"", "socket:", "socket:[", "socket:[12", "socket:12]", "socket:[12a]", "socket:[-1]", "socket:[+1]",
        "socket:[ 1]", "socket:[1] ", "Socket:[1]", "xsocket:[1]"})
    EXPECT_EQ(parse_socket_link(link), std::nullopt) << link;
}

// One SOCK_DIAG_BY_FAMILY payload: inet_diag_msg, then optional attributes.
class DiagPayload {
 public:
  DiagPayload(std::uint8_t family, std::uint8_t state, const char* src, std::uint16_t sport, const char* dst,
              std::uint16_t dport) {
    msg_.idiag_family = family;
    msg_.idiag_state = state;
    msg_.id.idiag_sport = htons(sport);
    msg_.id.idiag_dport = htons(dport);
    inet_pton(family, src, msg_.id.idiag_src);
    inet_pton(family, dst, msg_.id.idiag_dst);
  }
  inet_diag_msg& msg() { return msg_; }

  // An attribute with `value`; rta_len may be forced to a bad value.
  DiagPayload& attr(std::uint16_t type, std::vector<std::uint8_t> value, int forced_len = -1) {
    rtattr header{};
    header.rta_type = type;
    header.rta_len = forced_len >= 0 ? static_cast<std::uint16_t>(forced_len)
                                     : static_cast<std::uint16_t>(RTA_LENGTH(value.size()));
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&header);
    attrs_.insert(attrs_.end(), raw, raw + sizeof(header));
    attrs_.insert(attrs_.end(), value.begin(), value.end());
    attrs_.resize(RTA_ALIGN(attrs_.size()), 0);
    return *this;
  }

  [[nodiscard]] std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out(sizeof(msg_));
    std::memcpy(out.data(), &msg_, sizeof(msg_));
    out.insert(out.end(), attrs_.begin(), attrs_.end());
    return out;
  }

 private:
  inet_diag_msg msg_{};
  std::vector<std::uint8_t> attrs_;
};

constexpr std::uint8_t kListen = 10;
constexpr std::uint8_t kTimeWait = 6;

TEST(ParseInetDiagMsg, Ipv4ListenerIsParsed) {
  DiagPayload payload(AF_INET, kListen, "127.0.0.1", 8080, "0.0.0.0", 0);
  payload.msg().idiag_inode = 4242;
  payload.msg().idiag_uid = 1000;
  payload.msg().id.idiag_cookie[0] = 0x11223344;
  payload.msg().id.idiag_cookie[1] = 0x5;
  const auto bytes = payload.bytes();

  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->proto, Proto::tcp);
  EXPECT_EQ(entry->family, Family::ipv4);
  EXPECT_EQ(entry->state, TcpState::listen);
  EXPECT_EQ(entry->local_addr, "127.0.0.1");
  EXPECT_EQ(entry->local_port, 8080);
  EXPECT_EQ(entry->remote_addr, "0.0.0.0");
  EXPECT_EQ(entry->remote_port, 0);
  EXPECT_EQ(entry->inode, 4242u);
  EXPECT_EQ(entry->uid, 1000u);
  EXPECT_EQ(entry->cookie, 0x511223344ull);
  EXPECT_FALSE(entry->v4_mapped);
  EXPECT_FALSE(entry->v6only);
  EXPECT_FALSE(entry->options_known);
  EXPECT_EQ(entry->expires_ms, -1);
}

TEST(ParseInetDiagMsg, ProtoComesFromTheCaller) {
  const auto bytes = DiagPayload(AF_INET, 7, "0.0.0.0", 53, "0.0.0.0", 0).bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::udp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->proto, Proto::udp);
  EXPECT_EQ(entry->state, TcpState::close);
}

TEST(ParseInetDiagMsg, V4MappedIpv6IsShownAsIpv4) {
  const auto bytes = DiagPayload(AF_INET6, 1, "::ffff:10.1.2.3", 443, "::ffff:10.9.8.7", 51000)
                         .attr(INET_DIAG_SKV6ONLY, {0})
                         .bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->family, Family::ipv6);
  EXPECT_TRUE(entry->v4_mapped);
  EXPECT_EQ(entry->local_addr, "10.1.2.3");
  EXPECT_EQ(entry->remote_addr, "10.9.8.7");
  EXPECT_EQ(entry->remote_port, 51000);
  EXPECT_EQ(entry->state, TcpState::established);
}

TEST(ParseInetDiagMsg, Ipv6WildcardWithV6OnlyAttribute) {
  const auto bytes =
      DiagPayload(AF_INET6, kListen, "::", 8000, "::", 0).attr(INET_DIAG_SKV6ONLY, {1}).bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->local_addr, "::");
  EXPECT_FALSE(entry->v4_mapped);
  EXPECT_TRUE(entry->v6only);
}

TEST(ParseInetDiagMsg, UnknownAttributesAreSkipped) {
  const auto bytes = DiagPayload(AF_INET6, kListen, "::1", 8000, "::", 0)
                         .attr(INET_DIAG_MARK, {1, 2, 3, 4})
                         .attr(INET_DIAG_SKV6ONLY, {1})
                         .bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->local_addr, "::1");
  EXPECT_TRUE(entry->v6only);
}

TEST(ParseInetDiagMsg, TimeWaitHasNoInodeAndItsExpiry) {
  DiagPayload payload(AF_INET, kTimeWait, "127.0.0.1", 9000, "127.0.0.1", 40000);
  payload.msg().idiag_timer = 3;
  payload.msg().idiag_expires = 42000;
  const auto bytes = payload.bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->state, TcpState::time_wait);
  EXPECT_EQ(entry->inode, 0u);
  EXPECT_EQ(entry->expires_ms, 42000);
}

TEST(ParseInetDiagMsg, OtherTimersGiveNoExpiry) {
  DiagPayload payload(AF_INET, 1, "127.0.0.1", 9000, "127.0.0.1", 40000);
  payload.msg().idiag_timer = 1;  // retransmit
  payload.msg().idiag_expires = 200;
  const auto bytes = payload.bytes();
  const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->expires_ms, -1);
}

TEST(ParseInetDiagMsg, EveryTruncatedMessageIsRejected) {
  const auto full = DiagPayload(AF_INET, kListen, "127.0.0.1", 80, "0.0.0.0", 0).bytes();
  for (std::size_t len = 0; len < sizeof(inet_diag_msg); ++len) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_EQ(parse_inet_diag_msg(cut, Proto::tcp), std::nullopt) << len;
  }
}

TEST(ParseInetDiagMsg, TruncatedAttributeIsRejected) {
  const auto full = DiagPayload(AF_INET6, kListen, "::", 80, "::", 0).attr(INET_DIAG_SKV6ONLY, {1}).bytes();
  // A partial header (1..3 bytes) or a header whose rta_len (5) overruns the buffer.
  for (std::size_t extra = 1; extra <= sizeof(rtattr); ++extra) {
    const std::vector<std::uint8_t> cut(
        full.begin(), full.begin() + static_cast<std::ptrdiff_t>(sizeof(inet_diag_msg) + extra));
    EXPECT_EQ(parse_inet_diag_msg(cut, Proto::tcp), std::nullopt) << extra;
  }
}

TEST(ParseInetDiagMsg, AttributeShorterThanItsHeaderIsRejected) {
  const auto bytes =
      DiagPayload(AF_INET, kListen, "0.0.0.0", 80, "0.0.0.0", 0).attr(INET_DIAG_MARK, {}, 2).bytes();
  EXPECT_EQ(parse_inet_diag_msg(bytes, Proto::tcp), std::nullopt);
}

TEST(ParseInetDiagMsg, AttributeLongerThanThePayloadIsRejected) {
  const auto bytes = DiagPayload(AF_INET, kListen, "0.0.0.0", 80, "0.0.0.0", 0)
                         .attr(INET_DIAG_MARK, {1, 2, 3, 4}, 64)
                         .bytes();
  EXPECT_EQ(parse_inet_diag_msg(bytes, Proto::tcp), std::nullopt);
}

TEST(ParseInetDiagMsg, V6OnlyAttributeWithoutValueIsRejected) {
  const auto bytes = DiagPayload(AF_INET6, kListen, "::", 80, "::", 0).attr(INET_DIAG_SKV6ONLY, {}).bytes();
  EXPECT_EQ(parse_inet_diag_msg(bytes, Proto::tcp), std::nullopt);
}

TEST(ParseInetDiagMsg, NonInetFamilyIsRejected) {
  DiagPayload payload(AF_INET, kListen, "0.0.0.0", 80, "0.0.0.0", 0);
  payload.msg().idiag_family = AF_UNIX;
  const auto bytes = payload.bytes();
  EXPECT_EQ(parse_inet_diag_msg(bytes, Proto::tcp), std::nullopt);
}

TEST(ParseInetDiagMsg, OutOfRangeStateIsRejected) {
  for (const std::uint8_t state : {0, 13, 255}) {
    const auto bytes = DiagPayload(AF_INET, state, "0.0.0.0", 80, "0.0.0.0", 0).bytes();
    EXPECT_EQ(parse_inet_diag_msg(bytes, Proto::tcp), std::nullopt) << int{state};
  }
}

// Damaged payloads: no crash, and whatever is accepted is still a sane
// socket (a known family, a TCP state in range, the port bytes as sent when
// the header is untouched); a payload cut inside the message is rejected.
TEST(ParseInetDiagMsg, DamagedPayloadsAreRejectedOrStillSane) {
  std::mt19937 rng(7);
  const auto valid = DiagPayload(AF_INET6, kListen, "::", 80, "::", 0).attr(INET_DIAG_SKV6ONLY, {1}).bytes();
  ASSERT_TRUE(parse_inet_diag_msg(valid, Proto::tcp).has_value());
  int accepted = 0, truncated_rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::uint8_t> bytes = valid;
    bytes.resize(rng() % (valid.size() + 16));
    int flips = static_cast<int>(rng() % 4);
    const bool untouched = flips == 0;  // only cut (or padded), no byte changed
    for (; flips > 0 && !bytes.empty(); --flips) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    const auto entry = parse_inet_diag_msg(bytes, Proto::tcp);
    if (bytes.size() < sizeof(inet_diag_msg)) {
      EXPECT_FALSE(entry.has_value()) << bytes.size() << " bytes";
      ++truncated_rejected;
      continue;
    }
    if (!entry) continue;
    ++accepted;
    EXPECT_TRUE(entry->family == Family::ipv4 || entry->family == Family::ipv6);
    EXPECT_GE(static_cast<int>(entry->state), 1);
    EXPECT_LE(static_cast<int>(entry->state), 12);
    if (untouched) EXPECT_EQ(entry->local_port, 80);
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(truncated_rejected, 0);
}

}  // namespace
}  // namespace bindtrace
