// The streaming JSON writer escapes as nlohmann's dump() does, and the event
// line it writes is byte for byte the line the old DOM encoder printed.
#include "bindtrace/format/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/sinks.hpp"
#include "raw_events.hpp"

namespace bindtrace {
namespace {

// The DOM-based encoder as it was before JsonWriter: the oracle the writer
// must match. Kept here only; production code has one encoder.
namespace oracle {

using json = nlohmann::ordered_json;

json service(const Service& s) {
  json j;
  j["manager"] = manager_name(s.manager);
  j["name"] = to_valid_utf8(s.name);
  auto put = [&j](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = to_valid_utf8(value);
  };
  put("unit", s.unit);
  put("scope", s.scope);
  put("slice", s.slice);
  if (s.uid) j["uid"] = *s.uid;
  put("program", s.program);
  put("group", s.group);
  put("container_id", s.container_id);
  put("runtime", s.runtime);
  put("pod_uid", s.pod_uid);
  put("socket_unit", s.socket_unit);
  put("outer", s.outer);
  put("partial", s.partial);
  if (!s.notes.empty()) {
    j["notes"] = json::array();
    for (const std::string& note : s.notes) j["notes"].push_back(to_valid_utf8(note));
  }
  return j;
}

json diagnosis(const Diagnosis& d) {
  json j;
  j["code"] = diagnosis_code_name(d.code);
  j["summary"] = to_valid_utf8(d.summary);
  j["remedies"] = json::array();
  for (const std::string& r : d.remedies) j["remedies"].push_back(to_valid_utf8(r));
  j["restart_loop"] = d.restart_loop;
  if (d.failures_in_window > 1) j["failures_in_window"] = d.failures_in_window;
  return j;
}

json socket(const SocketEntry& s) {
  json j;
  j["proto"] = proto_name(s.proto);
  j["family"] = family_name(s.family);
  j["addr"] = s.local_addr;
  j["port"] = s.local_port;
  j["state"] = s.proto == Proto::udp ? std::string_view("BOUND") : tcp_state_name(s.state);
  if (s.v4_mapped) j["v4_mapped"] = true;
  if (s.options_known) {
    j["reuseaddr"] = s.reuseaddr;
    j["reuseport"] = s.reuseport;
  }
  if (s.family == Family::ipv6) j["v6only"] = s.v6only;
  j["uid"] = s.uid;
  if (s.inode != 0) j["inode"] = s.inode;
  if (s.expires_ms >= 0) j["expires_ms"] = s.expires_ms;
  return j;
}

json owner(const Owner& owner) {
  json j;
  j["kind"] = owner_kind_name(owner.kind);
  if (!owner.state.empty()) j["state"] = owner.state;
  j["source"] = owner_source_name(owner.source);
  if (owner.kind == OwnerKind::time_wait || owner.time_wait_count > 0) {
    j["count"] = owner.time_wait_count;
    j["expires_ms"] = owner.expires_ms;
  }
  j["holders"] = json::array();
  for (const Holder& h : owner.holders) {
    json holder;
    holder["pid"] = h.pid;
    holder["comm"] = to_valid_utf8(h.comm);
    holder["cmdline"] = to_valid_utf8(h.cmdline);
    holder["uid"] = h.uid;
    holder["cgroup"] = to_valid_utf8(h.cgroup);
    if (h.fd >= 0) holder["fd"] = h.fd;
    if (!h.exe.empty()) holder["exe"] = to_valid_utf8(h.exe);
    if (!h.cwd.empty()) holder["cwd"] = to_valid_utf8(h.cwd);
    if (h.service) holder["service"] = service(*h.service);
    j["holders"].push_back(std::move(holder));
  }
  j["sockets"] = json::array();
  for (const SocketEntry& s : owner.sockets) j["sockets"].push_back(socket(s));
  if (!owner.reason.empty()) j["reason"] = to_valid_utf8(owner.reason);
  return j;
}

json event(const Event& event) {
  json j = json::object();
  j["time"] = format_rfc3339_ns(event.realtime_ns);
  j["event"] = event_name(event);
  j["errno"] = event.err;
  j["error"] = event.err == 0 ? std::string_view() : errno_name(event.err);
  j["proto"] = proto_name(event.proto);
  j["family"] = family_name(event.endpoint.family);
  j["addr"] = to_valid_utf8(event.endpoint.address);
  if (event.endpoint.has_port()) j["port"] = event.endpoint.port;
  if (event.endpoint.v4_mapped) j["v4_mapped"] = true;
  j["netns"] = event.netns;
  j["tier"] = tier_name(event.tier);
  if (event.seq != 0) j["seq"] = event.seq;
  if (event.from_recorder) j["source"] = "recorder";

  json process = json::object();
  process["pid"] = event.process.pid;
  process["tid"] = event.process.tid;
  process["ppid"] = event.process.ppid;
  process["uid"] = event.process.uid;
  process["comm"] = to_valid_utf8(event.process.comm);
  process["cmdline"] = to_valid_utf8(event.process.cmdline);
  if (event.process.cmdline_truncated) process["cmdline_truncated"] = true;
  process["cgroup"] = to_valid_utf8(event.process.cgroup);
  process["cgroup_id"] = event.process.cgroup_id;
  if (!event.process.exe.empty()) process["exe"] = to_valid_utf8(event.process.exe);
  if (!event.process.cwd.empty()) process["cwd"] = to_valid_utf8(event.process.cwd);
  if (event.process.service) process["service"] = service(*event.process.service);
  j["process"] = std::move(process);

  if (event.owner) j["owner"] = owner(*event.owner);
  if (event.diagnosis) j["diagnosis"] = diagnosis(*event.diagnosis);
  if (!event.alternatives.empty()) j["alternatives"] = event.alternatives;
  if (event.action) {
    const ActionRecord& a = *event.action;
    j["action"] = {
        {"kind", a.kind},     {"target", to_valid_utf8(a.target)}, {"result", to_valid_utf8(a.result)},
        {"signal", a.signal}, {"elapsed_ms", a.elapsed_ms},        {"port_free_after", a.port_free_after}};
  }
  if (event.socket.known) {
    j["socket"] = {{"reuseaddr", event.socket.reuseaddr},
                   {"reuseport", event.socket.reuseport},
                   {"v6only", event.socket.v6only},
                   {"type", event.socket.type == 1   ? "stream"
                            : event.socket.type == 2 ? "dgram"
                                                     : "other"}};
  }
  return j;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string line(const Event& e) {
  return dump(event(e)) + "\n";
}

}  // namespace oracle

std::string written(std::string_view text) {
  JsonWriter w;
  w.string(text);
  return std::string(w.view());
}

std::string nlohmann_dump(std::string_view text) {
  return oracle::dump(oracle::json(std::string(text)));
}

// --- escaping ---------------------------------------------------------------

TEST(JsonWriterEscaping, EveryControlCharacterIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    std::string expected;
    switch (c) {
      case '\b':
        expected = "\\b";
        break;
      case '\t':
        expected = "\\t";
        break;
      case '\n':
        expected = "\\n";
        break;
      case '\f':
        expected = "\\f";
        break;
      case '\r':
        expected = "\\r";
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "\\u%04x", c);
        expected = hex;
      }
    }
    const std::string text(1, static_cast<char>(c));
    EXPECT_EQ(written(text), "\"" + expected + "\"") << "byte " << c;
    EXPECT_EQ(written(text), nlohmann_dump(text)) << "byte " << c;
  }
}

TEST(JsonWriterEscaping, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(written("say \"hi\" \\ bye"), R"("say \"hi\" \\ bye")");
}

TEST(JsonWriterEscaping, DelIsKeptRaw) {
  EXPECT_EQ(written("a\x7f"
                    "b"),
            "\"a\x7f"
            "b\"");
}

TEST(JsonWriterEscaping, ValidMultiByteUtf8IsKept) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d \xe2\x80\xae";  // é € snake, RLO
  EXPECT_EQ(written(text), "\"" + text + "\"");
}

TEST(JsonWriterEscaping, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(written("a\xff"
                    "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(written("\xc3"), "\"\xef\xbf\xbd\"");                     // truncated at the end
  EXPECT_EQ(written("\xed\xa0\x80"), nlohmann_dump("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(written("\xc0\xaf"), nlohmann_dump("\xc0\xaf"));          // overlong
}

TEST(JsonWriterEscaping, ControlCharactersAfterNonAsciiAreStillEscaped) {
  EXPECT_EQ(written("\xc3\xa9\n\xff\"\x01"), "\"\xc3\xa9\\n\xef\xbf\xbd\\\"\\u0001\"");
}

// The writer checks eight bytes at a time: a special byte is found wherever it sits.
TEST(JsonWriterEscaping, SpecialByteAtEveryPositionOfABlock) {
  for (const char special : {'"', '\\', '\x00', '\x1f', '\x7f', '\x80', '\xff', ' ', '~'}) {
    for (std::size_t at = 0; at < 20; ++at) {
      std::string text(20, 'x');
      text[at] = special;
      ASSERT_EQ(written(text), nlohmann_dump(text)) << "byte " << int(special) << " at " << at;
    }
  }
}

// Random bytes, weighted towards the awkward ones, against nlohmann's own
// serializer: same escaping, same U+FFFD substitution.
TEST(JsonWriterEscaping, RandomBytesMatchNlohmannDump) {
  static constexpr unsigned char kAwkward[] = {
      0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, '"',  '\\', 'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f,
      0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xfe, 0xff};
  std::mt19937 random(20261122);
  std::uniform_int_distribution<std::size_t> length(0, 40);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::uniform_int_distribution<std::size_t> awkward(0, sizeof(kAwkward) - 1);
  for (int round = 0; round < 20000; ++round) {
    std::string text(length(random), '\0');
    for (char& c : text) {
      c = static_cast<char>(round % 2 == 0 ? kAwkward[awkward(random)] : any_byte(random));
    }
    ASSERT_EQ(written(text), nlohmann_dump(text)) << "round " << round;
  }
}

// --- structure and numbers ----------------------------------------------------

TEST(JsonWriter, NestedObjectsAndArraysGetCommasOnlyBetweenValues) {
  JsonWriter w;
  w.begin_object();
  w.member("a", 1);
  w.key("empty");
  w.begin_object();
  w.end_object();
  w.key("list");
  w.begin_array();
  w.number(1);
  w.begin_array();
  w.end_array();
  w.begin_object();
  w.member("x", "y");
  w.end_object();
  w.null();
  w.end_array();
  w.member("flag", false);
  w.member("text", "v");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"a":1,"empty":{},"list":[1,[],{"x":"y"},null],"flag":false,"text":"v"})");
}

TEST(JsonWriter, StringLiteralIsAStringNotABool) {
  JsonWriter w;
  w.begin_object();
  w.member("source", "recorder");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"source":"recorder"})");
}

TEST(JsonWriter, IntegersPrintAsNlohmannDoes) {
  JsonWriter w;
  w.begin_array();
  w.number(std::numeric_limits<std::int64_t>::min());
  w.number(std::numeric_limits<std::int64_t>::max());
  w.number(std::numeric_limits<std::uint64_t>::max());
  w.number(std::int64_t{-1});
  w.number(0);
  w.number(std::uint16_t{65535});
  w.end_array();
  oracle::json expected = oracle::json::array();
  expected.push_back(std::numeric_limits<std::int64_t>::min());
  expected.push_back(std::numeric_limits<std::int64_t>::max());
  expected.push_back(std::numeric_limits<std::uint64_t>::max());
  expected.push_back(std::int64_t{-1});
  expected.push_back(0);
  expected.push_back(std::uint16_t{65535});
  EXPECT_EQ(w.view(), oracle::dump(expected));
}

TEST(JsonWriter, GrowsPastItsFirstCapacity) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += static_cast<char>(i % 3 == 0 ? '\x01' : i % 3 == 1 ? '\xff' : 'a');
  JsonWriter w(1);
  w.begin_array();
  w.string(text);
  w.number(-42);
  w.end_array();
  EXPECT_EQ(w.view(), "[" + nlohmann_dump(text) + ",-42]");
}

TEST(JsonWriter, TakeMovesTheTextOutAndStartsOver) {
  JsonWriter w;
  w.begin_array();
  w.boolean(true);
  w.end_array();
  EXPECT_EQ(w.take(), "[true]");
  EXPECT_EQ(w.view(), "");
  w.begin_object();
  w.end_object();
  EXPECT_EQ(w.take(), "{}");
}

// --- the event line against the old DOM encoder -------------------------------

const std::string kHostile = std::string("ev\x1b]0;pwned\x07\xff\xfe\"q\\\x7f\x01\xc3", 18);

Event decoded(const bt_event& raw) {
  const auto bytes = testing::bytes_of(raw);
  return *decode_event(bytes, 1'700'000'000'123'456'789LL).event;
}

Event ipv4_event() {
  bt_event raw = testing::raw_event(BT_OP_BIND, 98);
  testing::set_ipv4(raw, "0.0.0.0", 8080);
  Event e = decoded(raw);
  e.process.cmdline = "uvicorn app:app --port 8080";
  e.process.cgroup = "/system.slice/app.service";
  return e;
}

Service systemd_service() {
  Service s;
  s.manager = ManagerKind::systemd;
  s.name = "app.service";
  s.unit = "app.service";
  s.scope = "system";
  s.slice = "system.slice";
  return s;
}

Service container_service() {
  Service s;
  s.manager = ManagerKind::docker;
  s.name = "7951fb549ab9";
  s.container_id = "7951fb549ab9c1f0e6a3b2d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
  s.runtime = "docker";
  s.pod_uid = "pod-1";
  s.outer = "docker.service";
  s.partial = "cgroup namespace";
  s.uid = 1000;
  s.notes = {"interactive", std::string("n\xffote\n", 6)};
  return s;
}

Service supervisor_service() {
  Service s;
  s.manager = ManagerKind::supervisor;
  s.name = "backend:backend";
  s.program = "backend";
  s.group = "backend";
  s.socket_unit = "backend.socket";
  return s;
}

Owner process_owner() {
  Owner o;
  o.kind = OwnerKind::process;
  o.source = OwnerSource::index;
  o.state = "LISTEN";
  SocketEntry s;
  s.local_addr = "0.0.0.0";
  s.local_port = 8080;
  s.inode = 123456;
  s.options_known = true;
  s.reuseaddr = true;
  o.sockets.push_back(s);
  SocketEntry v6;
  v6.family = Family::ipv6;
  v6.local_addr = "::";
  v6.local_port = 8080;
  v6.v6only = true;
  v6.uid = 1000;
  o.sockets.push_back(v6);
  Holder h;
  h.pid = 991;
  h.comm = "nginx";
  h.cmdline = "nginx: master process /usr/sbin/nginx -g daemon on;";
  h.cgroup = "/system.slice/nginx.service";
  h.fd = 6;
  h.exe = "/usr/sbin/nginx";
  h.cwd = "/";
  h.service = systemd_service();
  o.holders.push_back(h);
  Holder hostile;
  hostile.pid = 992;
  hostile.comm = kHostile;
  hostile.cmdline = kHostile + " --x";
  hostile.cgroup = kHostile;
  hostile.service = container_service();
  o.holders.push_back(hostile);
  return o;
}

Owner time_wait_owner() {
  Owner o;
  o.kind = OwnerKind::time_wait;
  o.source = OwnerSource::sock_diag;
  o.state = "TIME_WAIT";
  o.time_wait_count = 3;
  o.expires_ms = 41000;
  SocketEntry s;
  s.state = TcpState::time_wait;
  s.local_addr = "127.0.0.1";
  s.local_port = 8080;
  s.remote_addr = "127.0.0.1";
  s.remote_port = 50000;
  s.expires_ms = 41000;
  o.sockets.push_back(s);
  return o;
}

Owner gone_owner() {
  Owner o;
  o.kind = OwnerKind::gone;
  o.reason = std::string("exited before \"lookup\"\t\xfe", 25);
  o.time_wait_count = 1;  // count/expires_ms appear for any TIME_WAIT seen
  SocketEntry udp;
  udp.proto = Proto::udp;
  udp.state = TcpState::close;
  udp.local_addr = "10.0.0.1";
  udp.local_port = 53;
  udp.v4_mapped = true;
  o.sockets.push_back(udp);
  return o;
}

Diagnosis diagnosis_with_remedies() {
  Diagnosis d;
  d.code = DiagnosisCode::duplicate_manager;
  d.summary = "app.service and a \"manual\" copy both start uvicorn";
  d.remedies = {"systemctl stop app.service", "kill 991\n# then\tretry", kHostile};
  d.restart_loop = true;
  d.failures_in_window = 7;
  return d;
}

std::vector<Event> varied_events() {
  std::vector<Event> events;
  events.push_back(ipv4_event());

  {
    bt_event raw = testing::raw_event(BT_OP_BIND, 98);
    testing::set_ipv6(raw, "::ffff:127.0.0.1", 8443);
    Event e = decoded(raw);
    e.seq = 18446744073709551615ULL;
    e.process.service = systemd_service();
    e.owner = process_owner();
    e.diagnosis = diagnosis_with_remedies();
    e.alternatives = {8081, 8082, 65535};
    events.push_back(e);
  }
  {
    bt_event raw = testing::raw_event(BT_OP_BIND, 98);
    testing::set_ipv6(raw, "::1", 443);
    Event e = decoded(raw);
    e.owner = time_wait_owner();
    e.socket.known = true;
    e.socket.reuseaddr = true;
    e.socket.v6only = true;
    e.socket.type = 1;
    Diagnosis d;
    d.code = DiagnosisCode::time_wait;
    d.summary = "TIME_WAIT";
    e.diagnosis = d;  // no remedies: an empty array
    events.push_back(e);
  }
  {
    bt_event raw = testing::raw_event(BT_OP_LISTEN, 98);
    testing::set_unix(raw, "/run/app/worker.sock", false);
    Event e = decoded(raw);
    e.from_recorder = true;
    e.seq = 42;
    e.socket.known = true;
    e.socket.type = 2;
    e.socket.reuseport = true;
    e.process.service = supervisor_service();
    events.push_back(e);
  }
  {
    bt_event raw = testing::raw_event(BT_OP_BIND, 98);
    testing::set_unix(raw, "worker", true);
    Event e = decoded(raw);
    e.socket.known = true;
    e.socket.type = 5;
    e.owner = gone_owner();
    events.push_back(e);
  }
  {
    Event e = ipv4_event();
    e.process.comm = kHostile;
    e.process.cmdline = std::string("a\0b\"c\\d\n\xc3\x28\xe2\x82", 13);
    e.process.cmdline_truncated = true;
    e.process.cgroup = "/user.slice/\x1b[31mred\xed\xa0\x80";
    e.process.exe = "/tmp/\xff\xfe/exe";
    e.process.cwd = "/home/\xc3\xa9t\xc3\xa9";
    e.process.service = container_service();
    e.endpoint.address = "10.0.0.\x01\xff";  // cannot come from the decoder; the encoder must cope
    e.endpoint.v4_mapped = true;
    events.push_back(e);
  }
  {
    Event e = ipv4_event();
    e.err = 0;  // successful bind: empty "error"
    e.realtime_ns = 0;
    events.push_back(e);
  }
  {
    bt_event raw = testing::raw_event(BT_OP_CONNECT, 99);
    testing::set_ipv4(raw, "192.0.2.1", 65535);
    Event e = decoded(raw);
    e.err = 4095;  // no errno name
    e.netns = 4294967295u;
    e.process.cgroup_id = 18446744073709551615ULL;
    e.tier = Tier::raw;
    e.proto = Proto::udp;
    ActionRecord a;
    a.kind = "stop-owner";
    a.target =
        "pid 991 (\xff"
        "python3)";
    a.result = "refused: \"protected\"\n";
    a.signal = "SIGTERM";
    a.elapsed_ms = 1234;
    a.port_free_after = true;
    e.action = a;
    events.push_back(e);
  }
  {
    Event e = ipv4_event();
    ActionRecord a;  // dry run: no signal sent
    a.kind = "stop-unit";
    a.target = "supervisor backend:backend";
    a.result = "dry-run: would stop";
    e.action = a;
    e.process.service = supervisor_service();
    e.owner = process_owner();
    e.owner->source = OwnerSource::iterators;
    e.diagnosis = diagnosis_with_remedies();
    e.diagnosis->failures_in_window = 1;  // omitted below 2
    events.push_back(e);
  }
  {
    Event e = ipv4_event();
    e.endpoint.family = Family::other;
    e.endpoint.address = "";
    e.proto = Proto::other;
    e.op = Op::listen;
    e.tier = Tier::fentry;
    Owner unknown;
    unknown.kind = OwnerKind::unknown;
    unknown.reason = "no socket matches";
    e.owner = unknown;
    events.push_back(e);
  }
  return events;
}

TEST(JsonWriterEventLine, MatchesTheDomEncoderByteForByte) {
  const std::vector<Event> events = varied_events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string line = event_to_json_line(events[i]);
    EXPECT_EQ(line, oracle::line(events[i])) << "event " << i;
    EXPECT_TRUE(nlohmann::json::accept(line)) << "event " << i;
  }
}

TEST(JsonWriterEventLine, EveryOptionalPartIsCovered) {
  // Guards the table above: each optional object of the contract is compared at least once.
  bool owner = false, diagnosis = false, service = false, action = false, socket = false,
       alternatives = false, recorder = false;
  for (const Event& e : varied_events()) {
    owner |= e.owner.has_value();
    diagnosis |= e.diagnosis.has_value();
    service |= e.process.service.has_value();
    action |= e.action.has_value();
    socket |= e.socket.known;
    alternatives |= !e.alternatives.empty();
    recorder |= e.from_recorder;
  }
  EXPECT_TRUE(owner && diagnosis && service && action && socket && alternatives && recorder);
}

TEST(JsonWriterDom, DomFunctionsDumpAsTheOldDomDid) {
  for (const Event& e : varied_events()) {
    EXPECT_EQ(oracle::dump(event_to_json(e)), oracle::dump(oracle::event(e)));
    if (e.owner) EXPECT_EQ(oracle::dump(owner_to_json(*e.owner)), oracle::dump(oracle::owner(*e.owner)));
    if (e.diagnosis) {
      EXPECT_EQ(oracle::dump(diagnosis_to_json(*e.diagnosis)), oracle::dump(oracle::diagnosis(*e.diagnosis)));
    }
    if (e.process.service) {
      EXPECT_EQ(oracle::dump(service_to_json(*e.process.service)),
                oracle::dump(oracle::service(*e.process.service)));
    }
  }
  for (const SocketEntry& s : process_owner().sockets)
    EXPECT_EQ(oracle::dump(socket_to_json(s)), oracle::dump(oracle::socket(s)));
}

TEST(JsonWriterDom, DomKeepsTheNumbersValues) {
  Event e = ipv4_event();
  e.owner = time_wait_owner();
  e.owner->expires_ms = -1;
  const nlohmann::ordered_json j = event_to_json(e);
  EXPECT_EQ(j["errno"].get<int>(), 98);
  EXPECT_EQ(j["port"].get<int>(), 8080);
  EXPECT_EQ(j["owner"]["expires_ms"].get<std::int64_t>(), -1);
}

}  // namespace
}  // namespace bindtrace
