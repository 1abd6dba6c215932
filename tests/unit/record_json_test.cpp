// The log's records other than events: storm counts, hook results and the
// agent's own records, each against the JSON line expected.
#include "bindtrace/format/record_json.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "bindtrace/actions/hook.hpp"

namespace bindtrace {
namespace {

constexpr std::int64_t kFirst = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

EventAggregate storm() {
  EventAggregate a;
  a.op = Op::bind;
  a.err = 98;
  a.family = Family::ipv4;
  a.port = 8080;
  a.netns = 4026531840u;
  a.pid = 1207;
  a.comm = "uv\"icorn\xff";
  a.count = 500;
  a.first_realtime_ns = kFirst;
  a.last_realtime_ns = kFirst + 1'500'000'000;
  return a;
}

TEST(RecordJson, AggregateLine) {
  EXPECT_EQ(aggregate_to_json_line(storm()),
            R"({"time":"2023-11-14T22:13:21.500000000Z","record":"aggregate","event":"bind_failed","errno":98,)"
            R"("error":"EADDRINUSE","family":"ipv4","port":8080,"netns":4026531840,)"
            "\"process\":{\"pid\":1207,\"comm\":\"uv\\\"icorn\xef\xbf\xbd\"},"
            R"("count":500,"first":"2023-11-14T22:13:20.000000000Z","last":"2023-11-14T22:13:21.500000000Z"})"
            "\n");
}

TEST(RecordJson, AggregateWithoutPortOrError) {
  EventAggregate a = storm();
  a.family = Family::unix_;
  a.err = 0;
  a.count = 1;
  a.comm = "w";
  EXPECT_EQ(aggregate_to_json_line(a),
            R"({"time":"2023-11-14T22:13:21.500000000Z","record":"aggregate","event":"bind","errno":0,)"
            R"("error":"","family":"unix","netns":4026531840,"process":{"pid":1207,"comm":"w"},"count":1,)"
            R"("first":"2023-11-14T22:13:20.000000000Z","last":"2023-11-14T22:13:21.500000000Z"})"
            "\n");
}

HookResult finished_hook() {
  HookResult r{.command = "notify-send \"$BINDTRACE_PORT\"", .event_seq = 17, .event_time_ns = kFirst};
  r.run.exit_code = 3;
  r.run.output = "line\x1b[2J\n";
  r.run.elapsed_ms = 12;
  return r;
}

TEST(RecordJson, HookLineCarriesHowItEnded) {
  EXPECT_EQ(hook_result_to_json_line(finished_hook()),
            R"({"record":"hook","command":"notify-send \"$BINDTRACE_PORT\"","event_seq":17,)"
            R"("event_time":"2023-11-14T22:13:20.000000000Z","exit_code":3,"timed_out":false,"elapsed_ms":12,)"
            R"("output":"line\u001b[2J\n","output_truncated":false})"
            "\n");
}

TEST(RecordJson, KilledHookReportsItsSignal) {
  HookResult r = finished_hook();
  r.run.exit_code.reset();
  r.run.signal = 9;
  r.run.timed_out = true;
  r.run.output_truncated = true;
  r.event_seq = 0;  // not from the flight recorder: left out
  EXPECT_EQ(hook_result_to_json_line(r),
            R"({"record":"hook","command":"notify-send \"$BINDTRACE_PORT\"",)"
            R"("event_time":"2023-11-14T22:13:20.000000000Z","signal":"SIGKILL","timed_out":true,"elapsed_ms":12,)"
            R"("output":"line\u001b[2J\n","output_truncated":true})"
            "\n");
}

TEST(RecordJson, AHookThatCouldNotStartSaysWhy) {
  HookResult r = finished_hook();
  r.run.exit_code.reset();
  r.run.spawn_errno = ENOENT;
  r.run.output.clear();
  EXPECT_EQ(hook_result_to_json_line(r),
            R"({"record":"hook","command":"notify-send \"$BINDTRACE_PORT\"","event_seq":17,)"
            R"("event_time":"2023-11-14T22:13:20.000000000Z","timed_out":false,"elapsed_ms":12,)"
            R"("output":"","output_truncated":false,"error":"not found"})"
            "\n");
}

TEST(RecordJson, AgentStartLine) {
  const AgentRecord record{.action = "start",
                           .tier = "fentry",
                           .recorder = "adopted",
                           .config = "/etc/bindtrace/agent.toml",
                           .time_ns = kFirst};
  EXPECT_EQ(agent_record_to_json_line(record),
            R"({"record":"agent","action":"start","tier":"fentry","recorder":"adopted",)"
            R"("config":"/etc/bindtrace/agent.toml","time":"2023-11-14T22:13:20.000000000Z"})"
            "\n");
}

TEST(RecordJson, AgentReloadLineHasNoTierOrRecorder) {
  const AgentRecord record{.action = "reload", .config = "/etc/\xff.toml", .time_ns = kFirst};
  EXPECT_EQ(agent_record_to_json_line(record),
            "{\"record\":\"agent\",\"action\":\"reload\",\"config\":\"/etc/\xef\xbf\xbd.toml\","
            "\"time\":\"2023-11-14T22:13:20.000000000Z\"}\n");
}

}  // namespace
}  // namespace bindtrace
