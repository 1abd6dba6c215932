// --exec hooks run for real through /bin/sh: what they receive (the JSON line
// on stdin, the BINDTRACE_* variables), their timeout (the whole process
// group is stopped), the concurrency bound (extra runs skipped and counted)
// and the output cap.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bindtrace/actions/runner.hpp"
#include "bindtrace/format/event_json.hpp"
#include "real_parts.hpp"

namespace bindtrace {
namespace {

using namespace std::chrono_literals;
using namespace testing;
namespace fs = std::filesystem;

Event sample(std::uint64_t seq = 7) {
  Event e;
  e.seq = seq;
  e.err = EADDRINUSE;
  e.proto = Proto::tcp;
  e.endpoint = Endpoint{.family = Family::ipv4, .address = "127.0.0.1", .port = 8001};
  e.process.pid = 4242;
  e.process.comm = "uvicorn";
  e.owner = Owner{.kind = OwnerKind::process, .holders = {Holder{.pid = 991, .comm = "python3"}}};
  e.diagnosis = Diagnosis{.code = DiagnosisCode::stale_instance};
  return e;
}

// Runs the hook once per event and returns what it reported, with the
// runner's counters in `stats`. `between` runs after the submits.
std::vector<HookResult> run_hooks(const ActionOptions& options, const std::vector<Event>& events,
                                  HookStats* stats = nullptr, const std::function<void()>& between = {}) {
  std::mutex mutex;
  std::vector<HookResult> results;
  ActionCallbacks callbacks;
  callbacks.on_hook = [&](const HookResult& r) {
    std::lock_guard lock(mutex);
    results.push_back(r);
  };
  ActionRunner runner(options, callbacks, Consent::given);
  for (const Event& e : events) runner.submit(e);
  if (between) between();
  runner.drain();
  if (stats) *stats = runner.stats().hooks;
  return results;
}

ActionOptions hook(const std::string& command) {
  ActionOptions o;
  o.exec = command;
  return o;
}

TEST(ActionHookRun, HookReceivesTheEventJsonAndTheVariables) {
  TempDir dir("hook-env");
  const auto results = run_hooks(
      hook("cat > " + dir.path() + "/stdin.json; env | grep '^BINDTRACE_' | sort > " + dir.path() + "/env"),
      {sample()});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].run.exit_code, 0) << results[0].run.output;
  EXPECT_EQ(results[0].event_seq, 7u);

  EXPECT_EQ(read_file(dir.path() + "/stdin.json"), event_to_json_line(sample()));
  const auto json = nlohmann::json::parse(read_file(dir.path() + "/stdin.json"));
  EXPECT_EQ(json["port"], 8001);
  const std::string env = read_file(dir.path() + "/env");
  for (const char* line :
       {"BINDTRACE_ADDR=127.0.0.1\n", "BINDTRACE_COMM=uvicorn\n", "BINDTRACE_DIAGNOSIS=stale_instance\n",
        "BINDTRACE_ERROR=EADDRINUSE\n", "BINDTRACE_EVENT=bind_failed\n", "BINDTRACE_OWNER_COMM=python3\n",
        "BINDTRACE_OWNER_PID=991\n", "BINDTRACE_PID=4242\n", "BINDTRACE_PORT=8001\n",
        "BINDTRACE_PROTO=tcp\n"})
    EXPECT_NE(env.find(line), std::string::npos) << line << " missing from:\n" << env;
}

TEST(ActionHookRun, ValuesFromTheTracedProcessAreNeverRunAsShellCode) {
  TempDir dir("hook-hostile");
  Event e = sample();
  e.process.comm = "$(touch " + dir.path() + "/pwned)";
  run_hooks(hook("printf '%s' \"$BINDTRACE_COMM\" > " + dir.path() + "/comm"), {e});
  EXPECT_EQ(read_file(dir.path() + "/comm"), e.process.comm);
  EXPECT_FALSE(fs::exists(dir.path() + "/pwned"));
}

TEST(ActionHookRun, TimeoutStopsTheHooksWholeProcessGroup) {
  TempDir dir("hook-timeout");
  ActionOptions o = hook("sleep 60 & echo $! > " + dir.path() + "/bg; wait");
  // The shell records its background child within milliseconds; 5 s leaves
  // room for a loaded machine before the timeout ends it.
  o.hook_timeout = 5s;
  HookStats stats;
  const auto results = run_hooks(o, {sample()}, &stats);
  EXPECT_EQ(stats.timed_out, 1u);
  EXPECT_EQ(stats.failed, 1u);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].run.timed_out);
  EXPECT_EQ(results[0].run.signal, SIGTERM);
  const pid_t background = static_cast<pid_t>(std::atoi(read_file(dir.path() + "/bg").c_str()));
  ASSERT_GT(background, 0);
  // The shell's background child was in the group and got the SIGTERM too.
  EXPECT_TRUE(eventually([&] {
    const char state = state_of(background);
    return state == '\0' || state == 'Z' || state == 'X' || comm_of(background) != "sleep";
  }));
}

TEST(ActionHookRun, HooksBeyondTheConcurrencyBoundAreSkippedAndCounted) {
  TempDir dir("hook-bound");
  const std::string go = dir.path() + "/go";
  ActionOptions o = hook("while [ ! -e " + go + " ]; do sleep 0.02; done");
  o.hook_concurrency = 1;
  HookStats stats;
  // The first hook runs until `go` exists, which is made only after all three were submitted.
  const auto results =
      run_hooks(o, {sample(1), sample(2), sample(3)}, &stats, [&] { std::ofstream(go) << "go"; });
  EXPECT_EQ(stats.run, 1u);
  EXPECT_EQ(stats.skipped, 2u);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].event_seq, 1u);
}

TEST(ActionHookRun, OutputIsCappedAndTheCutIsNoted) {
  const auto results = run_hooks(hook("head -c 100000 /dev/zero | tr '\\0' a; echo done >&2"), {sample()});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].run.exit_code, 0);
  EXPECT_EQ(results[0].run.output.size(), 64u << 10);
  EXPECT_TRUE(results[0].run.output_truncated);
}

TEST(ActionHookRun, AFailingHookIsCountedAndItsOutputKept) {
  HookStats stats;
  const auto results = run_hooks(hook("echo oops >&2; exit 3"), {sample()}, &stats);
  EXPECT_EQ(stats.run, 1u);
  EXPECT_EQ(stats.failed, 1u);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].run.exit_code, 3);
  EXPECT_EQ(results[0].run.output, "oops\n");
}

TEST(ActionHookRun, AHookThatDoesNotReadItsInputStillRuns) {
  Event big = sample();
  big.process.cmdline = std::string(200000, 'x');  // more than a pipe holds
  const auto results = run_hooks(hook("exit 0"), {big});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].run.exit_code, 0);
  EXPECT_FALSE(results[0].run.timed_out);
}

}  // namespace
}  // namespace bindtrace
