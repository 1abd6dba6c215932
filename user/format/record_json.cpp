// The log's non-event records, written with JsonWriter in the order the
// output contract (docs/events.md) shows them.
#include "bindtrace/format/record_json.hpp"

#include "bindtrace/actions/command.hpp"
#include "bindtrace/actions/hook.hpp"
#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/format/json_writer.hpp"

namespace bindtrace {
namespace {

std::string finished_line(JsonWriter& w) {
  w.end_object();
  std::string line = w.take();
  line.push_back('\n');
  return line;
}

}  // namespace

std::string aggregate_to_json_line(const EventAggregate& a) {
  JsonWriter w;
  w.begin_object();
  w.member("time", format_rfc3339_ns(a.last_realtime_ns));
  w.member("record", "aggregate");
  w.member("event", aggregate_event_name(a));
  w.member("errno", a.err);
  w.member("error", a.err == 0 ? std::string_view() : errno_name(a.err));
  w.member("family", family_name(a.family));
  if (a.family == Family::ipv4 || a.family == Family::ipv6) w.member("port", a.port);
  w.member("netns", a.netns);
  w.key("process");
  w.begin_object();
  w.member("pid", a.pid);
  w.member("comm", a.comm);
  w.end_object();
  w.member("count", a.count);
  w.member("first", format_rfc3339_ns(a.first_realtime_ns));
  w.member("last", format_rfc3339_ns(a.last_realtime_ns));
  return finished_line(w);
}

std::string hook_result_to_json_line(const HookResult& r) {
  JsonWriter w(256 + r.command.size() + r.run.output.size());
  w.begin_object();
  w.member("record", "hook");
  w.member("command", r.command);
  if (r.event_seq != 0) w.member("event_seq", r.event_seq);
  w.member("event_time", format_rfc3339_ns(r.event_time_ns));
  if (r.run.exit_code) w.member("exit_code", *r.run.exit_code);
  if (r.run.signal != 0) w.member("signal", signal_name(r.run.signal));
  w.member("timed_out", r.run.timed_out);
  w.member("elapsed_ms", r.run.elapsed_ms);
  w.member("output", r.run.output);
  w.member("output_truncated", r.run.output_truncated);
  if (r.run.spawn_errno != 0) w.member("error", describe_command_end(r.run));
  return finished_line(w);
}

std::string agent_record_to_json_line(const AgentRecord& record) {
  JsonWriter w;
  w.begin_object();
  w.member("record", "agent");
  w.member("action", record.action);
  if (!record.tier.empty()) w.member("tier", record.tier);
  if (!record.recorder.empty()) w.member("recorder", record.recorder);
  w.member("config", record.config);
  w.member("time", format_rfc3339_ns(record.time_ns));
  return finished_line(w);
}

}  // namespace bindtrace
