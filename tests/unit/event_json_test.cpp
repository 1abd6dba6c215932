// The event line against lines written down in tests/fixtures/format/
// (event_lines.jsonl, one per event below, in order), and the objects `who`
// and `check` embed, against the JSON text expected.
#include "bindtrace/format/event_json.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"
#include "raw_events.hpp"

namespace bindtrace {
namespace {

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

std::vector<std::string> expected_lines() {
  std::ifstream in(BINDTRACE_FIXTURES_DIR "/format/event_lines.jsonl", std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  return lines;
}

TEST(EventJson, EachLineIsTheOneWrittenDown) {
  const std::vector<Event> events = varied_events();
  const std::vector<std::string> expected = expected_lines();
  ASSERT_EQ(expected.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string line = event_to_json_line(events[i]);
    EXPECT_EQ(line, expected[i]) << "event " << i;
    EXPECT_TRUE(nlohmann::json::accept(line)) << "event " << i;
  }
}

TEST(EventJson, EveryOptionalPartIsCovered) {
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

TEST(EventJson, AContainerAndTheUserUnitThatRunsItAreOneService) {
  Event e = ipv4_event();
  Service s = container_service();  // its container fields, and the unit that runs it
  s.unit = "podman-qdrant.service";
  s.scope = "user";
  s.slice = "app.slice";
  s.user = "alice";
  e.process.service = s;
  const std::string line = event_to_json_line(e);
  const std::string expected =
      "\"name\":\"7951fb549ab9\",\"unit\":\"podman-qdrant.service\",\"scope\":\"user\","
      "\"slice\":\"app.slice\",\"uid\":1000,\"user\":\"alice\",\"container_id\":\"7951fb549ab9c1f0";
  EXPECT_NE(line.find(expected), std::string::npos) << line;
}

TEST(EventJson, NegativeNumbersKeepTheirSign) {
  Event e = ipv4_event();
  e.owner = time_wait_owner();
  e.owner->expires_ms = -1;
  const std::string line = event_to_json_line(e);
  EXPECT_NE(line.find(R"("count":3,"expires_ms":-1,"holders":[])"), std::string::npos) << line;
}

template <typename Value>
std::string written(void (*write)(JsonWriter&, const Value&), const Value& value) {
  JsonWriter w;
  write(w, value);
  return w.take();
}

TEST(EventJsonParts, OwnerObject) {
  EXPECT_EQ(written(write_owner, time_wait_owner()),
            R"({"kind":"time_wait","state":"TIME_WAIT","source":"sock_diag","count":3,"expires_ms":41000,)"
            R"("holders":[],"sockets":[{"proto":"tcp","family":"ipv4","addr":"127.0.0.1","port":8080,)"
            R"("state":"TIME_WAIT","uid":0,"expires_ms":41000}]})");
}

TEST(EventJsonParts, SocketObjects) {
  const Owner owner = process_owner();
  EXPECT_EQ(written(write_socket, owner.sockets[0]),
            R"({"proto":"tcp","family":"ipv4","addr":"0.0.0.0","port":8080,"state":"LISTEN",)"
            R"("reuseaddr":true,"reuseport":false,"uid":0,"inode":123456})");
  EXPECT_EQ(written(write_socket, owner.sockets[1]),
            R"({"proto":"tcp","family":"ipv6","addr":"::","port":8080,"state":"LISTEN","v6only":true,"uid":1000})");
}

TEST(EventJsonParts, DiagnosisObject) {
  Diagnosis d;
  d.code = DiagnosisCode::time_wait;
  d.summary = "only \"TIME_WAIT\" left";
  d.remedies = {"wait", "set SO_REUSEADDR"};
  d.failures_in_window = 2;
  EXPECT_EQ(written(write_diagnosis, d),
            R"({"code":"time_wait","summary":"only \"TIME_WAIT\" left","remedies":["wait","set SO_REUSEADDR"],)"
            R"("restart_loop":false,"failures_in_window":2})");
}

TEST(EventJsonParts, PortList) {
  EXPECT_EQ(written(write_ports, std::vector<std::uint16_t>{8081, 8082, 65535}), "[8081,8082,65535]");
  EXPECT_EQ(written(write_ports, std::vector<std::uint16_t>{}), "[]");
}

}  // namespace
}  // namespace bindtrace
