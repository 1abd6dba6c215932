// Raw bt_event records -> Event. The record is untrusted in shape (size,
// enum values); every field is copied, never aliased.
#include "bindtrace/events/events.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <cstring>

#include "bindtrace/abi.h"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

Proto proto_of(const bt_event& raw) {
  if (!(raw.sock_flags & BT_SOCK_KNOWN)) return Proto::other;
  if (raw.sock_family != AF_INET && raw.sock_family != AF_INET6) return Proto::other;
  if (raw.sock_type == SOCK_STREAM &&
      (raw.sock_protocol == IPPROTO_TCP || raw.sock_protocol == IPPROTO_MPTCP || raw.sock_protocol == 0))
    return Proto::tcp;
  if (raw.sock_type == SOCK_DGRAM && (raw.sock_protocol == IPPROTO_UDP || raw.sock_protocol == 0))
    return Proto::udp;
  return Proto::other;
}

}  // namespace

DecodeResult decode_event(std::span<const std::uint8_t> record, std::int64_t realtime_offset_ns) noexcept {
  DecodeResult result;
  if (record.size() < sizeof(bt_event)) {
    result.error = DecodeError::short_record;
    return result;
  }
  bt_event raw{};
  std::memcpy(&raw, record.data(), sizeof(raw));
  if (raw.op < BT_OP_BIND || raw.op > BT_OP_CONNECT) {
    result.error = DecodeError::bad_op;
    return result;
  }
  if (raw.tier < BT_TIER_FENTRY || raw.tier > BT_TIER_RAW) {
    result.error = DecodeError::bad_tier;
    return result;
  }

  Event e;
  e.boot_ns = raw.ts_ns;
  e.seq = raw.seq;
  // The record is untrusted in shape: an absurd timestamp saturates instead of overflowing.
  if (raw.ts_ns > static_cast<std::uint64_t>(INT64_MAX) ||
      __builtin_add_overflow(static_cast<std::int64_t>(raw.ts_ns), realtime_offset_ns, &e.realtime_ns))
    e.realtime_ns = realtime_offset_ns < 0 && raw.ts_ns <= static_cast<std::uint64_t>(INT64_MAX) ? INT64_MIN : INT64_MAX;
  e.op = static_cast<Op>(raw.op - BT_OP_BIND);
  e.tier = static_cast<Tier>(raw.tier - BT_TIER_FENTRY);
  e.err = raw.err;
  e.netns = raw.netns;
  e.proto = proto_of(raw);

  e.socket.known = raw.sock_flags & BT_SOCK_KNOWN;
  e.socket.reuseaddr = raw.sock_flags & BT_SOCK_REUSEADDR;
  e.socket.reuseport = raw.sock_flags & BT_SOCK_REUSEPORT;
  e.socket.v6only = raw.sock_flags & BT_SOCK_V6ONLY;
  e.socket.family = raw.sock_family;
  e.socket.type = raw.sock_type;
  e.socket.protocol = raw.sock_protocol;
  e.socket.cookie = raw.sock_cookie;

  const std::size_t captured = std::min<std::size_t>(raw.addr_len, BT_ADDR_MAX);
  e.endpoint = decode_sockaddr(std::span<const std::uint8_t>(raw.addr, captured), raw.addr_len);

  e.process.pid = raw.pid;
  e.process.tid = raw.tid;
  e.process.ppid = raw.ppid;
  e.process.uid = raw.uid;
  e.process.cgroup_id = raw.cgroup_id;
  e.process.comm.assign(raw.comm, strnlen(raw.comm, sizeof(raw.comm)));

  const std::size_t args = std::min<std::size_t>(raw.args_len, BT_ARGS_MAX);
  e.args_snapshot.assign(reinterpret_cast<const char*>(raw.args), args);
  e.args_len = raw.args_len;
  e.process.cmdline = join_cmdline(e.args_snapshot);
  e.process.cmdline_truncated = raw.args_len > BT_ARGS_MAX;

  result.event = std::move(e);
  return result;
}

std::string_view op_name(Op op) noexcept {
  switch (op) {
    case Op::bind:
      return "bind";
    case Op::listen:
      return "listen";
    case Op::connect:
      return "connect";
  }
  return "unknown";
}

namespace {

std::string_view failed_name(Op op, int err) noexcept {
  if (err == 0) return op_name(op);
  switch (op) {
    case Op::bind:
      return "bind_failed";
    case Op::listen:
      return "listen_failed";
    case Op::connect:
      return "connect_failed";
  }
  return "unknown";
}

}  // namespace

std::string_view event_name(const Event& event) noexcept { return failed_name(event.op, event.err); }

std::string_view aggregate_event_name(const EventAggregate& aggregate) noexcept {
  return failed_name(aggregate.op, aggregate.err);
}

EventAggregate decode_aggregate(const bt_aggregate_key& key, const bt_aggregate& value,
                                std::int64_t realtime_offset_ns) noexcept {
  EventAggregate a;
  a.op = key.op >= BT_OP_BIND && key.op <= BT_OP_CONNECT ? static_cast<Op>(key.op - BT_OP_BIND) : Op::bind;
  a.err = key.err;
  a.family = key.family == AF_INET ? Family::ipv4 : key.family == AF_INET6 ? Family::ipv6
           : key.family == AF_UNIX ? Family::unix_ : key.family == AF_UNSPEC ? Family::unspec : Family::other;
  a.port = key.port;
  a.netns = key.netns;
  a.pid = key.pid;
  a.comm.assign(value.comm, strnlen(value.comm, sizeof(value.comm)));
  a.count = value.count;
  auto to_realtime = [realtime_offset_ns](std::uint64_t boot_ns) {
    std::int64_t out = 0;
    if (boot_ns > static_cast<std::uint64_t>(INT64_MAX) ||
        __builtin_add_overflow(static_cast<std::int64_t>(boot_ns), realtime_offset_ns, &out))
      return INT64_MAX;
    return out;
  };
  a.first_realtime_ns = to_realtime(value.first_ns);
  a.last_realtime_ns = to_realtime(value.last_ns);
  return a;
}

std::string_view tier_name(Tier tier) noexcept {
  switch (tier) {
    case Tier::fentry:
      return "fentry";
    case Tier::kprobe:
      return "kprobe";
    case Tier::tracepoint:
      return "tracepoint";
    case Tier::raw:
      return "raw";
  }
  return "unknown";
}

std::optional<Tier> parse_tier(std::string_view name) noexcept {
  for (Tier t : {Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw})
    if (tier_name(t) == name) return t;
  return std::nullopt;
}

std::string_view proto_name(Proto proto) noexcept {
  switch (proto) {
    case Proto::tcp:
      return "tcp";
    case Proto::udp:
      return "udp";
    case Proto::other:
      return "other";
  }
  return "other";
}

bool has_blocking_owner(const Event& event) noexcept {
  return event.err == EADDRINUSE && event.op != Op::connect && event.endpoint.has_port();
}

}  // namespace bindtrace
