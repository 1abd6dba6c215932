// What a hook is given (its environment) and how its run is reported on the
// trace's stderr line, on fixtures (the agent's log record: record_json_test.cpp).
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

TEST(ActionHookReport, AKilledHookFailed) {
  HookResult r = sample_result();
  r.run.exit_code.reset();
  r.run.signal = 9;
  r.run.timed_out = true;
  EXPECT_TRUE(r.failed());
  r = sample_result();
  r.run.exit_code = 0;
  EXPECT_FALSE(r.failed());
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
}

}  // namespace
}  // namespace bindtrace
