// In-process costs per event: decode a raw ring-buffer record, encode it as a
// JSON line or a text block, the conflict rules, and escaping hostile text.
// Run: build-bench/bench/bindtrace_micro [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/owner/conflict.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/sinks.hpp"
#include "raw_events.hpp"

namespace bt = bindtrace;
namespace bts = bindtrace::testing;

namespace {

constexpr std::int64_t kOffset = 1'700'000'000'000'000'000;

std::vector<std::uint8_t> record_v4() {
  bt_event e = bts::raw_event();
  bts::set_ipv4(e, "0.0.0.0", 8080);
  return bts::bytes_of(e);
}

std::vector<std::uint8_t> record_v6() {
  bt_event e = bts::raw_event();
  bts::set_ipv6(e, "::ffff:127.0.0.1", 8443);
  return bts::bytes_of(e);
}

std::vector<std::uint8_t> record_unix() {
  bt_event e = bts::raw_event();
  bts::set_unix(e, "/run/app/worker.sock", false);
  return bts::bytes_of(e);
}

bt::Event decoded(const std::vector<std::uint8_t>& rec) {
  bt::DecodeResult r = bt::decode_event(rec, kOffset);
  if (!r.event) std::abort();
  return *r.event;
}

bt::Event event_with_owner() {
  bt::Event ev = decoded(record_v4());
  ev.process.cmdline = "/usr/bin/python3 -m uvicorn app:main --host 0.0.0.0 --port 8080 --workers 4";
  ev.process.cgroup = "/system.slice/app.service";
  bt::Owner owner;
  owner.kind = bt::OwnerKind::process;
  owner.source = bt::OwnerSource::index;
  owner.state = "LISTEN";
  bt::SocketEntry s;
  s.local_addr = "0.0.0.0";
  s.local_port = 8080;
  s.inode = 123456;
  s.options_known = true;
  owner.sockets.push_back(s);
  bt::Holder h;
  h.pid = 991;
  h.comm = "nginx";
  h.cmdline = "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;";
  h.cgroup = "/system.slice/nginx.service";
  h.inode = 123456;
  h.fd = 6;
  owner.holders.push_back(h);
  ev.owner = owner;
  return ev;
}

void BM_DecodeIPv4(benchmark::State& state) {
  const auto rec = record_v4();
  for (auto _ : state) {
    auto r = bt::decode_event(rec, kOffset);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeIPv4);

void BM_DecodeIPv6Mapped(benchmark::State& state) {
  const auto rec = record_v6();
  for (auto _ : state) {
    auto r = bt::decode_event(rec, kOffset);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeIPv6Mapped);

void BM_DecodeUnix(benchmark::State& state) {
  const auto rec = record_unix();
  for (auto _ : state) {
    auto r = bt::decode_event(rec, kOffset);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeUnix);

void BM_JsonLine(benchmark::State& state) {
  const bt::Event ev = decoded(record_v4());
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string line = bt::event_to_json_line(ev);
    bytes += line.size();
    benchmark::DoNotOptimize(line);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_JsonLine);

void BM_JsonLineWithOwner(benchmark::State& state) {
  const bt::Event ev = event_with_owner();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string line = bt::event_to_json_line(ev);
    bytes += line.size();
    benchmark::DoNotOptimize(line);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_JsonLineWithOwner);

// Control characters, quotes and invalid UTF-8 in every process string: the
// escaping and U+FFFD slow path.
void BM_JsonLineHostile(benchmark::State& state) {
  bt::Event ev = event_with_owner();
  const std::string hostile = std::string("ev\x1b]0;t\x07\"q\\ \xff\xfe caf\xc3\xa9 ") + ev.process.cmdline;
  ev.process.comm = hostile.substr(0, 15);
  ev.process.cmdline = hostile;
  ev.process.cgroup = hostile;
  ev.owner->holders.front().cmdline = hostile;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string line = bt::event_to_json_line(ev);
    bytes += line.size();
    benchmark::DoNotOptimize(line);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_JsonLineHostile);

// The RFC 3339 timestamp every JSON line starts with.
void BM_JsonTime(benchmark::State& state) {
  std::int64_t t = kOffset;
  for (auto _ : state) {
    std::string text = bt::format_rfc3339_ns(t++);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_JsonTime);

void BM_TextBlock(benchmark::State& state) {
  const bt::Event ev = decoded(record_v4());
  for (auto _ : state) {
    std::string text = bt::event_to_text(ev, false);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_TextBlock);

void BM_TextBlockWithOwner(benchmark::State& state) {
  const bt::Event ev = event_with_owner();
  for (auto _ : state) {
    std::string text = bt::event_to_text(ev, false);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_TextBlockWithOwner);

// Decode + JSON: the user-space cost of one event on the --no-owner path.
void BM_DecodeAndJson(benchmark::State& state) {
  const auto rec = record_v4();
  for (auto _ : state) {
    auto r = bt::decode_event(rec, kOffset);
    std::string line = bt::event_to_json_line(*r.event);
    benchmark::DoNotOptimize(line);
  }
}
BENCHMARK(BM_DecodeAndJson);

std::vector<bt::SocketEntry> sockets_on_port(int n) {
  std::vector<bt::SocketEntry> out;
  for (int i = 0; i < n; ++i) {
    bt::SocketEntry s;
    s.family = (i % 3 == 0) ? bt::Family::ipv6 : bt::Family::ipv4;
    s.local_addr = (i % 3 == 0) ? "::" : (i % 3 == 1 ? "127.0.0." + std::to_string(1 + i % 200) : "0.0.0.0");
    s.local_port = 8080;
    s.state = (i % 4 == 0) ? bt::TcpState::time_wait : bt::TcpState::listen;
    s.options_known = true;
    s.reuseaddr = (i % 2) == 0;
    s.reuseport = (i % 5) == 0;
    s.v6only = (i % 6) == 0;
    s.uid = static_cast<std::uint32_t>(i % 3);
    out.push_back(s);
  }
  return out;
}

void BM_ConflictOne(benchmark::State& state) {
  const bt::Event ev = decoded(record_v4());
  const bt::BindRequest req = bt::bind_request_from(ev);
  const auto sockets = sockets_on_port(1);
  for (auto _ : state) {
    bool c = bt::conflicts(req, sockets.front());
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_ConflictOne);

void BM_ConflictingSockets(benchmark::State& state) {
  const bt::Event ev = decoded(record_v4());
  const bt::BindRequest req = bt::bind_request_from(ev);
  const auto sockets = sockets_on_port(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto c = bt::conflicting_sockets(req, sockets);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ConflictingSockets)->Arg(1)->Arg(16)->Arg(256);

void BM_BindRequestFrom(benchmark::State& state) {
  const bt::Event ev = decoded(record_v6());
  for (auto _ : state) {
    auto req = bt::bind_request_from(ev);
    benchmark::DoNotOptimize(req);
  }
}
BENCHMARK(BM_BindRequestFrom);

std::string hostile(std::size_t n) {
  // Control bytes, ESC sequences, bidi overrides, invalid UTF-8, backslashes.
  const std::string unit = std::string("ok\x1b[31mred\x1b]0;title\x07\n\t\\") + "\xe2\x80\xae" + "evil\xff\xfe\xc3(" +
                           "\xf0\x9f\x98\x80" + "caf\xc3\xa9\x7f\x9b";
  std::string out;
  while (out.size() < n) out += unit;
  out.resize(n);
  return out;
}

void BM_EscapeHostile(benchmark::State& state) {
  const std::string text = hostile(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string s = bt::escape_for_terminal(text);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EscapeHostile)->Arg(16)->Arg(256)->Arg(4096);

void BM_EscapePlain(benchmark::State& state) {
  std::string text;
  while (text.size() < static_cast<std::size_t>(state.range(0))) text += "/usr/bin/python3 -m http.server ";
  text.resize(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string s = bt::escape_for_terminal(text);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EscapePlain)->Arg(256)->Arg(4096);

void BM_ToValidUtf8Hostile(benchmark::State& state) {
  const std::string text = hostile(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string s = bt::to_valid_utf8(text);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ToValidUtf8Hostile)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
