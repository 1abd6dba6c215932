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
  j["process"] = std::move(process);

  if (event.socket.known) {
    j["socket"] = {{"reuseaddr", event.socket.reuseaddr},
                   {"reuseport", event.socket.reuseport},
                   {"v6only", event.socket.v6only},
                   {"type", event.socket.type == 1 ? "stream" : event.socket.type == 2 ? "dgram" : "other"}};
  }
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
