// What a hook is given (its environment) and how its run is reported (the
// agent's log record and the trace's stderr line), on fixtures.
#include <gtest/gtest.h>

#include <algorithm>

#include "bindtrace/actions/hook.hpp"

namespace bindtrace {
namespace {

Event conflict() {
  Event e;
  e.seq = 17;
  e.realtime_ns = 1'700'000'000'000'000'000;
  e.err = 98;
  e.proto = Proto::tcp;
  e.endpoint = Endpoint{.family = Family::ipv4, .address = "0.0.0.0", .port = 8001};
  e.process.pid = 2000;
  e.process.comm = "uvicorn";
  e.process.service = Service{.manager = ManagerKind::systemd, .name = "api.service", .unit = "api.service"};
  e.owner =
      Owner{.kind = OwnerKind::process,
            .holders = {Holder{.pid = 991,
                               .comm = "python3",
                               .service = Service{.manager = ManagerKind::supervisor, .name = "api:api"}}}};
  e.diagnosis = Diagnosis{.code = DiagnosisCode::duplicate_manager};
  return e;
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(ActionHookEnvironment, NamesTheFailureTheOwnerAndTheDiagnosis) {
  const auto env = hook_environment(conflict());
  for (const char* entry :
       {"BINDTRACE_EVENT=bind_failed", "BINDTRACE_PROTO=tcp", "BINDTRACE_ADDR=0.0.0.0", "BINDTRACE_PORT=8001",
        "BINDTRACE_ERROR=EADDRINUSE", "BINDTRACE_PID=2000", "BINDTRACE_COMM=uvicorn",
        "BINDTRACE_SERVICE=api.service", "BINDTRACE_OWNER_KIND=process", "BINDTRACE_OWNER_PID=991",
        "BINDTRACE_OWNER_COMM=python3", "BINDTRACE_OWNER_SERVICE=api:api",
        "BINDTRACE_DIAGNOSIS=duplicate_manager"})
    EXPECT_TRUE(has(env, entry)) << entry;
}

TEST(ActionHookEnvironment, UnknownValuesAreLeftOut) {
  Event e = conflict();
  e.owner.reset();
  e.diagnosis.reset();
  e.process.service.reset();
  const auto env = hook_environment(e);
  for (const auto& entry : env) {
    EXPECT_FALSE(entry.starts_with("BINDTRACE_OWNER")) << entry;
    EXPECT_FALSE(entry.starts_with("BINDTRACE_DIAGNOSIS")) << entry;
    EXPECT_FALSE(entry.starts_with("BINDTRACE_SERVICE")) << entry;
  }
}

TEST(ActionHookEnvironment, TheActionTakenIsPassedOn) {
  Event e = conflict();
  e.action = ActionRecord{.kind = "stop-owner", .target = "pid 991 (python3)", .result = "stopped"};
  EXPECT_TRUE(has(hook_environment(e), "BINDTRACE_ACTION=stopped"));
}

TEST(ActionHookEnvironment, HostileTextStaysDataInItsVariable) {
  Event e = conflict();
  e.process.comm = "$(reboot);`id`";
  EXPECT_TRUE(has(hook_environment(e), "BINDTRACE_COMM=$(reboot);`id`"));
}

HookResult sample_result() {
  HookResult r;
  r.command = "notify-send \"$BINDTRACE_PORT\"";
  r.run.exit_code = 3;
  r.run.output = "line\x1b[2J\n";
  r.run.elapsed_ms = 12;
  r.event_seq = 17;
  r.event_time_ns = 1'700'000'000'000'000'000;
  return r;
}

TEST(ActionHookReport, LogRecordCarriesHowItEnded) {
  const auto j = hook_result_to_json(sample_result());
  EXPECT_EQ(j["record"], "hook");
  EXPECT_EQ(j["command"], "notify-send \"$BINDTRACE_PORT\"");
  EXPECT_EQ(j["event_seq"], 17);
  EXPECT_EQ(j["event_time"], "2023-11-14T22:13:20.000000000Z");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_FALSE(j.contains("signal"));
  EXPECT_EQ(j["timed_out"], false);
  EXPECT_EQ(j["elapsed_ms"], 12);
  EXPECT_EQ(j["output"], "line\x1b[2J\n");
}

TEST(ActionHookReport, KilledHookReportsItsSignal) {
  HookResult r = sample_result();
  r.run.exit_code.reset();
  r.run.signal = 9;
  r.run.timed_out = true;
  const auto j = hook_result_to_json(r);
  EXPECT_EQ(j["signal"], "SIGKILL");
  EXPECT_EQ(j["timed_out"], true);
  EXPECT_FALSE(j.contains("exit_code"));
  EXPECT_TRUE(r.failed());
}

TEST(ActionHookReport, TextLineIsEscapedForTheTerminal) {
  const std::string text = hook_result_to_text(sample_result());
  EXPECT_EQ(text, "hook exit 3 in 12 ms (event 17): line\\x1b[2J\\n");
}

TEST(ActionHookReport, AHookThatCouldNotStartSaysWhy) {
  HookResult r = sample_result();
  r.run.exit_code.reset();
  r.run.spawn_errno = ENOENT;
  r.run.output.clear();
  EXPECT_EQ(hook_result_to_text(r), "hook not found in 12 ms (event 17)");
  EXPECT_EQ(hook_result_to_json(r)["error"], "not found");
}

}  // namespace
}  // namespace bindtrace
