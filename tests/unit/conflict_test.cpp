// The kernel's bind-conflict rules as bindtrace restates them
// (owner/conflict.hpp), one rule per test, each with its near miss. The
// expectations follow Linux (inet_bind_conflict, ipv4/ipv6_rcv_saddr_equal,
// udp_lib_lport_inuse) and were checked against real sockets on 6.x.
#include "bindtrace/owner/conflict.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bindtrace {
namespace {

constexpr std::uint16_t kPort = 8001;

// A plain TCP IPv4 bind request on kPort; tests change what they are about.
BindRequest request(std::string addr, Family family = Family::ipv4) {
  BindRequest r;
  r.proto = Proto::tcp;
  r.family = family;
  r.addr = std::move(addr);
  r.port = kPort;
  return r;
}

// An existing TCP listener on kPort whose options are known (iterators).
SocketEntry listener(std::string addr, Family family = Family::ipv4) {
  SocketEntry s;
  s.proto = Proto::tcp;
  s.family = family;
  s.state = TcpState::listen;
  s.local_addr = std::move(addr);
  s.local_port = kPort;
  s.options_known = true;
  return s;
}

SocketEntry time_wait(std::string addr) {
  SocketEntry s = listener(std::move(addr));
  s.state = TcpState::time_wait;
  s.remote_addr = "127.0.0.1";
  s.remote_port = 40000;
  return s;
}

SocketEntry udp_bound(std::string addr) {
  SocketEntry s = listener(std::move(addr));
  s.proto = Proto::udp;
  s.state = TcpState::close;
  return s;
}

BindRequest udp_request(std::string addr) {
  BindRequest r = request(std::move(addr));
  r.proto = Proto::udp;
  return r;
}

// ---- addresses ----

TEST(Conflict, Ipv4WildcardRequestConflictsWithASpecificIpv4Listener) {
  EXPECT_TRUE(conflicts(request("0.0.0.0"), listener("127.0.0.1")));
}

TEST(Conflict, SpecificIpv4RequestConflictsWithAnIpv4WildcardListener) {
  EXPECT_TRUE(conflicts(request("127.0.0.1"), listener("0.0.0.0")));
}

TEST(Conflict, SameSpecificIpv4AddressConflicts) {
  EXPECT_TRUE(conflicts(request("127.0.0.1"), listener("127.0.0.1")));
}

TEST(Conflict, TwoDifferentSpecificIpv4AddressesDoNotConflict) {
  EXPECT_FALSE(conflicts(request("127.0.0.1"), listener("127.0.0.2")));
  EXPECT_FALSE(addresses_overlap(request("127.0.0.1"), listener("127.0.0.2")));
}

TEST(Conflict, DualStackIpv6WildcardBlocksAnIpv4Request) {
  SocketEntry any6 = listener("::", Family::ipv6);
  any6.v6only = false;
  EXPECT_TRUE(conflicts(request("127.0.0.1"), any6));
}

TEST(Conflict, V6onlyIpv6WildcardDoesNotBlockAnIpv4Request) {
  SocketEntry any6 = listener("::", Family::ipv6);
  any6.v6only = true;
  EXPECT_FALSE(conflicts(request("127.0.0.1"), any6));
  EXPECT_FALSE(conflicts(request("0.0.0.0"), any6));
}

TEST(Conflict, Ipv4WildcardRequestConflictsWithADualStackIpv6WildcardListener) {
  SocketEntry any6 = listener("::", Family::ipv6);
  any6.v6only = false;
  EXPECT_TRUE(conflicts(request("0.0.0.0"), any6));
}

TEST(Conflict, Ipv4WildcardRequestDoesNotConflictWithASpecificIpv6Listener) {
  // Only the IPv6 wildcard covers IPv4, even without IPV6_V6ONLY.
  SocketEntry loop6 = listener("::1", Family::ipv6);
  loop6.v6only = false;
  EXPECT_FALSE(conflicts(request("0.0.0.0"), loop6));
}

TEST(Conflict, DualStackIpv6WildcardRequestConflictsWithAnIpv4Listener) {
  BindRequest any6 = request("::", Family::ipv6);
  any6.v6only = false;
  EXPECT_TRUE(conflicts(any6, listener("127.0.0.1")));
}

TEST(Conflict, V6onlyIpv6WildcardRequestDoesNotConflictWithAnIpv4Listener) {
  BindRequest any6 = request("::", Family::ipv6);
  any6.v6only = true;
  EXPECT_FALSE(conflicts(any6, listener("127.0.0.1")));
}

TEST(Conflict, Ipv6WildcardsConflictWhateverV6only) {
  BindRequest any6 = request("::", Family::ipv6);
  any6.v6only = true;
  SocketEntry other = listener("::", Family::ipv6);
  other.v6only = true;
  EXPECT_TRUE(conflicts(any6, other));
}

TEST(Conflict, SpecificIpv6RequestDoesNotConflictWithAnIpv4WildcardListener) {
  EXPECT_FALSE(conflicts(request("::1", Family::ipv6), listener("0.0.0.0")));
}

TEST(Conflict, TwoDifferentSpecificIpv6AddressesDoNotConflict) {
  EXPECT_FALSE(conflicts(request("::1", Family::ipv6), listener("fe80::1", Family::ipv6)));
  EXPECT_TRUE(conflicts(request("::1", Family::ipv6), listener("::1", Family::ipv6)));
}

TEST(Conflict, V4MappedRequestConflictsWithTheSameIpv4Listener) {
  BindRequest mapped = request("127.0.0.1", Family::ipv6);
  mapped.v4_mapped = true;
  EXPECT_TRUE(conflicts(mapped, listener("127.0.0.1")));
  EXPECT_TRUE(conflicts(mapped, listener("0.0.0.0")));
}

TEST(Conflict, V4MappedRequestDoesNotConflictWithAnotherIpv4Address) {
  BindRequest mapped = request("127.0.0.1", Family::ipv6);
  mapped.v4_mapped = true;
  EXPECT_FALSE(conflicts(mapped, listener("10.0.0.1")));
}

TEST(Conflict, V4MappedRequestConflictsWithADualStackIpv6Wildcard) {
  BindRequest mapped = request("127.0.0.1", Family::ipv6);
  mapped.v4_mapped = true;
  SocketEntry any6 = listener("::", Family::ipv6);
  EXPECT_TRUE(conflicts(mapped, any6));
  any6.v6only = true;
  EXPECT_FALSE(conflicts(mapped, any6));
}

TEST(Conflict, V4MappedListenerIsSeenAsIpv4) {
  SocketEntry mapped = listener("127.0.0.1", Family::ipv6);
  mapped.v4_mapped = true;
  EXPECT_TRUE(conflicts(request("127.0.0.1"), mapped));
  EXPECT_TRUE(conflicts(request("0.0.0.0"), mapped));
  EXPECT_FALSE(conflicts(request("127.0.0.2"), mapped));
}

// ---- SO_REUSEADDR ----

TEST(Conflict, ReuseAddrOnBothSidesStillConflictsWithAListener) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry sk = listener("127.0.0.1");
  sk.reuseaddr = true;
  EXPECT_TRUE(conflicts(req, sk));
}

TEST(Conflict, ReuseAddrOnBothSidesDoesNotConflictWithTimeWait) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry tw = time_wait("127.0.0.1");
  tw.reuseaddr = true;
  EXPECT_FALSE(conflicts(req, tw));
}

TEST(Conflict, TimeWaitBlocksARequestWithoutReuseAddr) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = false;
  SocketEntry tw = time_wait("127.0.0.1");
  tw.reuseaddr = true;
  EXPECT_TRUE(conflicts(req, tw));
}

TEST(Conflict, TimeWaitWithoutReuseAddrBlocksARequestWithIt) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry tw = time_wait("127.0.0.1");
  tw.reuseaddr = false;
  EXPECT_TRUE(conflicts(req, tw));
}

TEST(Conflict, ReuseAddrOnBothSidesDoesNotConflictWithABoundSocketThatDoesNotListen) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry bound = listener("127.0.0.1");
  bound.state = TcpState::close;
  bound.reuseaddr = true;
  EXPECT_FALSE(conflicts(req, bound));
  bound.reuseaddr = false;
  EXPECT_TRUE(conflicts(req, bound));
}

// ---- SO_REUSEPORT ----

TEST(Conflict, ReusePortOnBothSidesWithTheSameUidDoesNotConflict) {
  BindRequest req = request("127.0.0.1");
  req.reuseport = true;
  req.uid = 1000;
  SocketEntry sk = listener("127.0.0.1");
  sk.reuseport = true;
  sk.uid = 1000;
  EXPECT_FALSE(conflicts(req, sk));
}

TEST(Conflict, ReusePortOnBothSidesWithDifferentUidsConflicts) {
  BindRequest req = request("127.0.0.1");
  req.reuseport = true;
  req.uid = 1000;
  SocketEntry sk = listener("127.0.0.1");
  sk.reuseport = true;
  sk.uid = 1001;
  EXPECT_TRUE(conflicts(req, sk));
}

TEST(Conflict, ReusePortOnOneSideOnlyConflicts) {
  BindRequest req = request("127.0.0.1");
  req.reuseport = true;
  SocketEntry sk = listener("127.0.0.1");
  sk.reuseport = false;
  EXPECT_TRUE(conflicts(req, sk));
  req.reuseport = false;
  sk.reuseport = true;
  EXPECT_TRUE(conflicts(req, sk));
}

TEST(Conflict, ReusePortOnBothSidesIgnoresTheUidOfATimeWaitSocket) {
  BindRequest req = request("127.0.0.1");
  req.reuseport = true;
  req.uid = 1000;
  SocketEntry tw = time_wait("127.0.0.1");
  tw.reuseport = true;
  tw.uid = 0;
  EXPECT_FALSE(conflicts(req, tw));
}

// ---- UDP ----

TEST(Conflict, UdpWithReuseAddrOnBothSidesDoesNotConflict) {
  BindRequest req = udp_request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry sk = udp_bound("127.0.0.1");
  sk.reuseaddr = true;
  EXPECT_FALSE(conflicts(req, sk));
}

TEST(Conflict, UdpWithReuseAddrOnOneSideOnlyConflicts) {
  BindRequest req = udp_request("127.0.0.1");
  req.reuseaddr = true;
  SocketEntry sk = udp_bound("127.0.0.1");
  sk.reuseaddr = false;
  EXPECT_TRUE(conflicts(req, sk));
}

TEST(Conflict, UdpSameAddressWithoutOptionsConflicts) {
  EXPECT_TRUE(conflicts(udp_request("127.0.0.1"), udp_bound("127.0.0.1")));
  EXPECT_TRUE(conflicts(udp_request("0.0.0.0"), udp_bound("127.0.0.1")));
  EXPECT_FALSE(conflicts(udp_request("127.0.0.2"), udp_bound("127.0.0.1")));
}

TEST(Conflict, UdpReusePortNeedsTheSameUid) {
  BindRequest req = udp_request("127.0.0.1");
  req.reuseport = true;
  req.uid = 1000;
  SocketEntry sk = udp_bound("127.0.0.1");
  sk.reuseport = true;
  sk.uid = 1000;
  EXPECT_FALSE(conflicts(req, sk));
  sk.uid = 1001;
  EXPECT_TRUE(conflicts(req, sk));
}

// ---- ports and protocols ----

TEST(Conflict, DifferentPortsNeverConflict) {
  SocketEntry sk = listener("0.0.0.0");
  sk.local_port = kPort + 1;
  sk.options_known = false;  // not even conservatively
  EXPECT_FALSE(conflicts(request("0.0.0.0"), sk));
}

TEST(Conflict, DifferentProtocolsNeverConflict) {
  SocketEntry udp = udp_bound("0.0.0.0");
  udp.options_known = false;
  EXPECT_FALSE(conflicts(request("0.0.0.0"), udp));
  SocketEntry tcp = listener("0.0.0.0");
  tcp.options_known = false;
  EXPECT_FALSE(conflicts(udp_request("0.0.0.0"), tcp));
}

// ---- unknown options (sock_diag) ----

TEST(Conflict, UnknownOptionsWithOverlappingAddressesAreAssumedToConflict) {
  BindRequest req = request("127.0.0.1");
  req.reuseaddr = true;
  req.reuseport = true;
  SocketEntry sk = time_wait("127.0.0.1");
  sk.options_known = false;
  sk.reuseaddr = true;  // not trusted when unknown
  sk.reuseport = true;
  EXPECT_TRUE(conflicts(req, sk));
}

TEST(Conflict, UnknownOptionsWithoutOverlappingAddressesDoNotConflict) {
  SocketEntry sk = listener("127.0.0.2");
  sk.options_known = false;
  EXPECT_FALSE(conflicts(request("127.0.0.1"), sk));
}

// ---- conflicting_sockets ----

TEST(ConflictingSockets, KeepsOnlyTheSocketsThatConflictInTheirOrder) {
  SocketEntry wildcard = listener("0.0.0.0");
  wildcard.inode = 1;
  SocketEntry other_addr = listener("127.0.0.2");
  other_addr.inode = 2;
  SocketEntry other_port = listener("127.0.0.1");
  other_port.local_port = kPort + 1;
  other_port.inode = 3;
  SocketEntry same = listener("127.0.0.1");
  same.inode = 4;
  SocketEntry udp = udp_bound("127.0.0.1");
  udp.inode = 5;

  const auto out = conflicting_sockets(request("127.0.0.1"), {wildcard, other_addr, other_port, same, udp});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].inode, 1u);
  EXPECT_EQ(out[1].inode, 4u);
}

TEST(ConflictingSockets, NothingConflictsGivesAnEmptyList) {
  EXPECT_TRUE(conflicting_sockets(request("127.0.0.1"), {}).empty());
  EXPECT_TRUE(conflicting_sockets(request("127.0.0.1"), {listener("127.0.0.2")}).empty());
}

// ---- bind_request_from ----

TEST(BindRequestFrom, CopiesTheEndpointOptionsAndUidOfTheEvent) {
  Event e;
  e.op = Op::bind;
  e.err = 98;
  e.proto = Proto::udp;
  e.endpoint.family = Family::ipv6;
  e.endpoint.address = "10.1.2.3";
  e.endpoint.port = 5353;
  e.endpoint.v4_mapped = true;
  e.socket.known = true;
  e.socket.reuseaddr = true;
  e.socket.reuseport = true;
  e.socket.v6only = false;
  e.process.uid = 1234;

  const BindRequest r = bind_request_from(e);
  EXPECT_EQ(r.proto, Proto::udp);
  EXPECT_EQ(r.family, Family::ipv6);
  EXPECT_EQ(r.addr, "10.1.2.3");
  EXPECT_EQ(r.port, 5353);
  EXPECT_TRUE(r.v4_mapped);
  EXPECT_TRUE(r.reuseaddr);
  EXPECT_TRUE(r.reuseport);
  EXPECT_FALSE(r.v6only);
  EXPECT_EQ(r.uid, 1234u);
  EXPECT_FALSE(r.is_listen);
}

TEST(BindRequestFrom, V6onlyIsCopied) {
  Event e;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv6;
  e.endpoint.address = "::";
  e.endpoint.port = 80;
  e.socket.v6only = true;
  const BindRequest r = bind_request_from(e);
  EXPECT_TRUE(r.v6only);
  EXPECT_FALSE(r.reuseaddr);
  EXPECT_FALSE(r.reuseport);
  EXPECT_FALSE(r.v4_mapped);
}

TEST(BindRequestFrom, AListenFailureIsMarked) {
  Event e;
  e.op = Op::listen;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "127.0.0.1";
  e.endpoint.port = 80;
  EXPECT_TRUE(bind_request_from(e).is_listen);
}

TEST(BindRequestFrom, AnEventRequestIsJudgedByTheSameRules) {
  // The whole chain: a real-looking IPv4 wildcard failure against a dual-stack listener.
  Event e;
  e.op = Op::bind;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "0.0.0.0";
  e.endpoint.port = kPort;
  SocketEntry any6 = listener("::", Family::ipv6);
  EXPECT_TRUE(conflicts(bind_request_from(e), any6));
  e.endpoint.port = kPort + 1;
  EXPECT_FALSE(conflicts(bind_request_from(e), any6));
}

}  // namespace
}  // namespace bindtrace
