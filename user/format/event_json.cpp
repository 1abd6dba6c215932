// The event line of the output contract (docs/events.md). Each object of the
// contract has one encoder here, written with JsonWriter (no DOM); `who` and
// `check` put the same owner, socket and diagnosis objects in their lines.
// JsonWriter puts every string through to_valid_utf8 (one that is all ASCII
// is already valid), so a line is always valid JSON.
#include "bindtrace/format/event_json.hpp"

#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/owner/shared_socket.hpp"

namespace bindtrace {
namespace {

void write_service(JsonWriter& w, const Service& s) {
  w.begin_object();
  w.member("manager", manager_name(s.manager));
  w.member("name", s.name);
  const auto put = [&w](JsonKey key, const std::string& value) {
    if (!value.empty()) w.member(key, value);
  };
  put("unit", s.unit);
  put("scope", s.scope);
  put("slice", s.slice);
  if (s.uid) w.member("uid", *s.uid);
  put("user", s.user);
  put("program", s.program);
  put("group", s.group);
  put("container_id", s.container_id);
  put("runtime", s.runtime);
  put("pod_uid", s.pod_uid);
  put("socket_unit", s.socket_unit);
  put("outer", s.outer);
  put("partial", s.partial);
  if (!s.notes.empty()) {
    w.key("notes");
    w.begin_array();
    for (const std::string& note : s.notes) w.string(note);
    w.end_array();
  }
  w.end_object();
}

}  // namespace

void write_diagnosis(JsonWriter& w, const Diagnosis& d) {
  w.begin_object();
  w.member("code", diagnosis_code_name(d.code));
  w.member("summary", d.summary);
  w.key("remedies");
  w.begin_array();
  for (const std::string& remedy : d.remedies) w.string(remedy);
  w.end_array();
  w.member("restart_loop", d.restart_loop);
  if (d.failures_in_window > 1) w.member("failures_in_window", d.failures_in_window);
  w.end_object();
}

void write_socket(JsonWriter& w, const SocketEntry& s) {
  w.begin_object();
  w.member("proto", proto_name(s.proto));
  w.member("family", family_name(s.family));
  w.member("addr", s.local_addr);
  w.member("port", s.local_port);
  w.member("state", s.proto == Proto::udp ? std::string_view("BOUND") : tcp_state_name(s.state));
  if (s.v4_mapped) w.member("v4_mapped", true);
  if (s.options_known) {
    w.member("reuseaddr", s.reuseaddr);
    w.member("reuseport", s.reuseport);
  }
  if (s.family == Family::ipv6) w.member("v6only", s.v6only);
  w.member("uid", s.uid);
  if (s.inode != 0) w.member("inode", s.inode);
  if (s.expires_ms >= 0) w.member("expires_ms", s.expires_ms);
  w.end_object();
}

namespace {

void write_holder(JsonWriter& w, const Holder& h) {
  w.begin_object();
  w.member("pid", h.pid);
  if (h.ppid != 0) w.member("ppid", h.ppid);
  if (h.role != HolderRole::sole) w.member("role", holder_role_name(h.role));
  w.member("comm", h.comm);
  w.member("cmdline", h.cmdline);
  w.member("uid", h.uid);
  w.member("cgroup", h.cgroup);
  if (h.fd >= 0) w.member("fd", h.fd);
  if (!h.exe.empty()) w.member("exe", h.exe);
  if (!h.cwd.empty()) w.member("cwd", h.cwd);
  if (h.service) {
    w.key("service");
    write_service(w, *h.service);
  }
  w.end_object();
}

}  // namespace

void write_owner(JsonWriter& w, const Owner& owner) {
  w.begin_object();
  w.member("kind", owner_kind_name(owner.kind));
  if (!owner.state.empty()) w.member("state", owner.state);
  w.member("source", owner_source_name(owner.source));
  if (owner.kind == OwnerKind::time_wait || owner.time_wait_count > 0) {
    w.member("count", owner.time_wait_count);
    w.member("expires_ms", owner.expires_ms);
  }
  w.key("holders");
  w.begin_array();
  for (const Holder& h : owner.holders) write_holder(w, h);
  w.end_array();
  w.key("sockets");
  w.begin_array();
  for (const SocketEntry& s : owner.sockets) write_socket(w, s);
  w.end_array();
  if (!owner.reason.empty()) w.member("reason", owner.reason);
  w.end_object();
}

namespace {

void write_process(JsonWriter& w, const ProcessInfo& p) {
  w.begin_object();
  w.member("pid", p.pid);
  w.member("tid", p.tid);
  w.member("ppid", p.ppid);
  w.member("uid", p.uid);
  w.member("comm", p.comm);
  w.member("cmdline", p.cmdline);
  if (p.cmdline_truncated) w.member("cmdline_truncated", true);
  w.member("cgroup", p.cgroup);
  w.member("cgroup_id", p.cgroup_id);
  if (!p.exe.empty()) w.member("exe", p.exe);
  if (!p.cwd.empty()) w.member("cwd", p.cwd);
  if (p.service) {
    w.key("service");
    write_service(w, *p.service);
  }
  w.end_object();
}

void write_action(JsonWriter& w, const ActionRecord& a) {
  w.begin_object();
  w.member("kind", a.kind);
  w.member("target", a.target);
  w.member("result", a.result);
  w.member("signal", a.signal);
  w.member("elapsed_ms", a.elapsed_ms);
  w.member("port_free_after", a.port_free_after);
  w.end_object();
}

void write_socket_facts(JsonWriter& w, const SocketFacts& s) {
  w.begin_object();
  w.member("reuseaddr", s.reuseaddr);
  w.member("reuseport", s.reuseport);
  w.member("v6only", s.v6only);
  w.member("type", s.type == 1 ? "stream" : s.type == 2 ? "dgram" : "other");
  w.end_object();
}

}  // namespace

void write_ports(JsonWriter& w, const std::vector<std::uint16_t>& ports) {
  w.begin_array();
  for (const std::uint16_t port : ports) w.number(port);
  w.end_array();
}

void write_event(JsonWriter& w, const Event& event) {
  w.begin_object();
  w.member("time", format_rfc3339_ns(event.realtime_ns));
  w.member("event", event_name(event));
  w.member("errno", event.err);
  w.member("error", event.err == 0 ? std::string_view() : errno_name(event.err));
  w.member("proto", proto_name(event.proto));
  w.member("family", family_name(event.endpoint.family));
  w.member("addr", event.endpoint.address);
  if (event.endpoint.has_port()) w.member("port", event.endpoint.port);
  if (event.endpoint.v4_mapped) w.member("v4_mapped", true);
  w.member("netns", event.netns);
  w.member("tier", tier_name(event.tier));
  if (event.seq != 0) w.member("seq", event.seq);
  if (event.from_recorder) w.member("source", "recorder");
  w.key("process");
  write_process(w, event.process);
  if (event.owner) {
    w.key("owner");
    write_owner(w, *event.owner);
  }
  if (event.diagnosis) {
    w.key("diagnosis");
    write_diagnosis(w, *event.diagnosis);
  }
  if (!event.alternatives.empty()) {
    w.key("alternatives");
    write_ports(w, event.alternatives);
  }
  if (event.action) {
    w.key("action");
    write_action(w, *event.action);
  }
  if (event.socket.known) {
    w.key("socket");
    write_socket_facts(w, event.socket);
  }
  w.end_object();
}

std::string event_to_json_line(const Event& event) {
  // Room for a typical line, so the writer seldom grows.
  const ProcessInfo& p = event.process;
  JsonWriter w(512 + (event.owner ? 512 : 0) + p.cmdline.size() + p.cgroup.size());
  write_event(w, event);
  std::string line = w.take();
  line.push_back('\n');
  return line;
}

}  // namespace bindtrace
