// JSON lines per DESIGN.md's output contract. Every string from the traced
// process goes through to_valid_utf8, so a line is always valid JSON.
#include <cstdio>

#include "bindtrace/clock.hpp"
#include "bindtrace/errno_names.hpp"
#include "bindtrace/escape.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {

nlohmann::ordered_json event_to_json(const Event& event) {
  using json = nlohmann::ordered_json;
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
  if (event.process.service) process["service"] = service_to_json(*event.process.service);
  j["process"] = std::move(process);

  if (event.owner) j["owner"] = owner_to_json(*event.owner);
  if (event.diagnosis) j["diagnosis"] = diagnosis_to_json(*event.diagnosis);
  if (!event.alternatives.empty()) j["alternatives"] = event.alternatives;
  if (event.action) {
    const ActionRecord& a = *event.action;
    j["action"] = {{"kind", a.kind},
                   {"target", to_valid_utf8(a.target)},
                   {"result", to_valid_utf8(a.result)},
                   {"signal", a.signal},
                   {"elapsed_ms", a.elapsed_ms},
                   {"port_free_after", a.port_free_after}};
  }
  if (event.socket.known) {
    j["socket"] = {{"reuseaddr", event.socket.reuseaddr},
                   {"reuseport", event.socket.reuseport},
                   {"v6only", event.socket.v6only},
                   {"type", event.socket.type == 1 ? "stream" : event.socket.type == 2 ? "dgram" : "other"}};
  }
  return j;
}

nlohmann::ordered_json diagnosis_to_json(const Diagnosis& d) {
  nlohmann::ordered_json j;
  j["code"] = d.code;
  j["summary"] = to_valid_utf8(d.summary);
  j["remedies"] = nlohmann::ordered_json::array();
  for (const std::string& r : d.remedies) j["remedies"].push_back(to_valid_utf8(r));
  j["restart_loop"] = d.restart_loop;
  if (d.failures_in_window > 1) j["failures_in_window"] = d.failures_in_window;
  return j;
}

nlohmann::ordered_json service_to_json(const Service& s) {
  nlohmann::ordered_json j;
  j["manager"] = s.manager;
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
    j["notes"] = nlohmann::ordered_json::array();
    for (const std::string& note : s.notes) j["notes"].push_back(to_valid_utf8(note));
  }
  return j;
}

nlohmann::ordered_json socket_to_json(const SocketEntry& s) {
  nlohmann::ordered_json j;
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

nlohmann::ordered_json owner_to_json(const Owner& owner) {
  nlohmann::ordered_json j;
  j["kind"] = owner_kind_name(owner.kind);
  if (!owner.state.empty()) j["state"] = owner.state;
  j["source"] = owner_source_name(owner.source);
  if (owner.kind == OwnerKind::time_wait || owner.time_wait_count > 0) {
    j["count"] = owner.time_wait_count;
    j["expires_ms"] = owner.expires_ms;
  }
  j["holders"] = nlohmann::ordered_json::array();
  for (const Holder& h : owner.holders) {
    nlohmann::ordered_json holder;
    holder["pid"] = h.pid;
    holder["comm"] = to_valid_utf8(h.comm);
    holder["cmdline"] = to_valid_utf8(h.cmdline);
    holder["uid"] = h.uid;
    holder["cgroup"] = to_valid_utf8(h.cgroup);
    if (h.fd >= 0) holder["fd"] = h.fd;
    if (!h.exe.empty()) holder["exe"] = to_valid_utf8(h.exe);
    if (!h.cwd.empty()) holder["cwd"] = to_valid_utf8(h.cwd);
    if (h.service) holder["service"] = service_to_json(*h.service);
    j["holders"].push_back(std::move(holder));
  }
  j["sockets"] = nlohmann::ordered_json::array();
  for (const SocketEntry& s : owner.sockets) j["sockets"].push_back(socket_to_json(s));
  if (!owner.reason.empty()) j["reason"] = to_valid_utf8(owner.reason);
  return j;
}

std::string event_to_json_line(const Event& event) {
  // The replace handler is a second guard: dump() can never throw on bad UTF-8.
  std::string line = event_to_json(event).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

void JsonLinesSink::write(const Event& event) {
  const std::string line = event_to_json_line(event);
  std::fwrite(line.data(), 1, line.size(), out_);
}

void JsonLinesSink::flush() { std::fflush(out_); }

}  // namespace bindtrace
