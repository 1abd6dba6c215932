// Decoding raw ring-buffer records into Events.
#include <gtest/gtest.h>

#include "bindtrace/events/events.hpp"
#include "raw_events.hpp"

namespace bindtrace {
namespace {

using testing::bytes_of;
using testing::raw_event;

TEST(EventDecode, FailedBindCarriesTheRequestedEndpoint) {
  bt_event raw = raw_event(BT_OP_BIND, 98);
  testing::set_ipv4(raw, "0.0.0.0", 8001);
  auto bytes = bytes_of(raw);
  DecodeResult r = decode_event(bytes, 0);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->op, Op::bind);
  EXPECT_EQ(r.event->err, 98);
  EXPECT_EQ(r.event->endpoint.family, Family::ipv4);
  EXPECT_EQ(r.event->endpoint.address, "0.0.0.0");
  EXPECT_EQ(r.event->endpoint.port, 8001);
  EXPECT_EQ(r.event->proto, Proto::tcp);
  EXPECT_EQ(r.event->process.pid, 1207u);
  EXPECT_EQ(r.event->process.tid, 1208u);
  EXPECT_EQ(r.event->process.ppid, 1190u);
  EXPECT_EQ(r.event->process.uid, 1000u);
  EXPECT_EQ(r.event->process.comm, "uvicorn");
  EXPECT_EQ(r.event->process.cgroup_id, 4242u);
  EXPECT_EQ(r.event->netns, 4026531840u);
  EXPECT_EQ(r.event->tier, Tier::tracepoint);
}

TEST(EventDecode, BootTimeIsShiftedToWallClock) {
  bt_event raw = raw_event();
  auto bytes = bytes_of(raw);
  DecodeResult r = decode_event(bytes, 5'000);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->realtime_ns, 1'000'005'000);
}

TEST(EventDecode, AbsurdTimestampsSaturateInsteadOfOverflowing) {
  bt_event raw = raw_event();
  raw.ts_ns = 0x7a0000003b9acaadULL;  // found by the event fuzzer
  auto bytes = bytes_of(raw);
  EXPECT_EQ(decode_event(bytes, 0x4a02003060000100LL).event->realtime_ns, INT64_MAX);
  raw.ts_ns = ~0ULL;
  bytes = bytes_of(raw);
  EXPECT_EQ(decode_event(bytes, 0).event->realtime_ns, INT64_MAX);
}

TEST(EventDecode, UdpSocketIsUdp) {
  bt_event raw = raw_event();
  raw.sock_type = SOCK_DGRAM;
  raw.sock_protocol = IPPROTO_UDP;
  testing::set_ipv4(raw, "127.0.0.1", 53);
  auto bytes = bytes_of(raw);
  EXPECT_EQ(decode_event(bytes, 0).event->proto, Proto::udp);
}

TEST(EventDecode, UnknownSocketHasProtoOther) {
  bt_event raw = raw_event();
  raw.sock_flags = 0;
  auto bytes = bytes_of(raw);
  EXPECT_EQ(decode_event(bytes, 0).event->proto, Proto::other);
  EXPECT_FALSE(decode_event(bytes, 0).event->socket.known);
}

TEST(EventDecode, SocketOptionsAreDecoded) {
  bt_event raw = raw_event();
  raw.sock_flags = BT_SOCK_KNOWN | BT_SOCK_REUSEADDR | BT_SOCK_V6ONLY;
  auto bytes = bytes_of(raw);
  const Event e = *decode_event(bytes, 0).event;
  EXPECT_TRUE(e.socket.reuseaddr);
  EXPECT_FALSE(e.socket.reuseport);
  EXPECT_TRUE(e.socket.v6only);
}

TEST(EventDecode, AbstractUnixNameIsKept) {
  bt_event raw = raw_event();
  testing::set_unix(raw, "bt-test", true);
  auto bytes = bytes_of(raw);
  const Event e = *decode_event(bytes, 0).event;
  EXPECT_EQ(e.endpoint.family, Family::unix_);
  EXPECT_EQ(e.endpoint.address, "@bt-test");
}

TEST(EventDecode, CommWithoutNulIsBoundedTo16Bytes) {
  bt_event raw = raw_event();
  std::memset(raw.comm, 'A', sizeof(raw.comm));
  auto bytes = bytes_of(raw);
  EXPECT_EQ(decode_event(bytes, 0).event->process.comm, std::string(16, 'A'));
}

TEST(EventDecode, ShortRecordIsRejectedNotRead) {
  bt_event raw = raw_event();
  auto bytes = bytes_of(raw);
  bytes.resize(100);
  DecodeResult r = decode_event(bytes, 0);
  EXPECT_FALSE(r.event);
  EXPECT_EQ(r.error, DecodeError::short_record);
}

TEST(EventDecode, UnknownOpIsRejected) {
  bt_event raw = raw_event(7);
  auto bytes = bytes_of(raw);
  DecodeResult r = decode_event(bytes, 0);
  EXPECT_FALSE(r.event);
  EXPECT_EQ(r.error, DecodeError::bad_op);
}

TEST(EventDecode, HugeAddrLenIsClampedToWhatWasCaptured) {
  bt_event raw = raw_event();
  testing::set_unix(raw, "/run/x.sock", false);
  raw.addr_len = 0xffffffffu;
  auto bytes = bytes_of(raw);
  DecodeResult r = decode_event(bytes, 0);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->endpoint.address, "/run/x.sock");
}

TEST(EventDecode, ArgumentSnapshotBecomesTheCommandLine) {
  bt_event raw = raw_event();
  const char args[] = "uvicorn\0app:app\0--port\0008001";
  std::memcpy(raw.args, args, sizeof(args));
  raw.args_len = sizeof(args);
  auto bytes = bytes_of(raw);
  const Event e = *decode_event(bytes, 0).event;
  EXPECT_EQ(e.process.cmdline, "uvicorn app:app --port 8001");
  EXPECT_FALSE(e.process.cmdline_truncated);
}

TEST(EventDecode, LongArgumentAreaIsMarkedTruncated) {
  bt_event raw = raw_event();
  std::memset(raw.args, 'x', sizeof(raw.args));
  raw.args_len = 5000;
  auto bytes = bytes_of(raw);
  const Event e = *decode_event(bytes, 0).event;
  EXPECT_TRUE(e.process.cmdline_truncated);
  EXPECT_EQ(e.args_snapshot.size(), static_cast<std::size_t>(BT_ARGS_MAX));
}

TEST(EventNames, FailuresAndSuccessesAreNamedPerOutputContract) {
  Event e;
  e.err = 98;
  e.op = Op::bind;
  EXPECT_EQ(event_name(e), "bind_failed");
  e.op = Op::listen;
  EXPECT_EQ(event_name(e), "listen_failed");
  e.op = Op::connect;
  EXPECT_EQ(event_name(e), "connect_failed");
  e.op = Op::bind;
  e.err = 0;
  EXPECT_EQ(event_name(e), "bind");
}

TEST(TierNames, RoundTrip) {
  for (Tier t : {Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw}) EXPECT_EQ(parse_tier(tier_name(t)), t);
  EXPECT_FALSE(parse_tier("fexit"));
}

}  // namespace
}  // namespace bindtrace
