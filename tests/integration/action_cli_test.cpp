// Actions through the built binary, as an operator runs them: `bindtrace
// trace --act stop-owner` stops a real bt_hold when a second one fails to
// bind its port, and says so on the event; without --yes and without a
// terminal it refuses; --dry-run prints the plan in the text block; --exec
// runs a hook with the event.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using namespace std::chrono_literals;
using namespace testing;

class ActionCliTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  // bindtrace with `args`, attached, tracing only `port`, ending after one event.
  static std::unique_ptr<Child> bindtrace(std::uint16_t port, std::vector<std::string> args) {
    std::vector<std::string> argv{BINDTRACE_BINARY, "trace", "-n", "1", "--port", std::to_string(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto bt = std::make_unique<Child>(argv);
    const auto attached = bt->read_err_line();
    EXPECT_TRUE(attached && attached->starts_with("bindtrace: attached")) << attached.value_or("(nothing)");
    return bt;
  }

  // A bt_hold on `port`, and a second one that fails to bind it.
  static std::unique_ptr<Child> conflict(std::uint16_t port) {
    auto first = std::make_unique<Child>(std::vector<std::string>{"env", "BT_PORT=" + std::to_string(port),
                                                                  "BT_MAX_SECONDS=60", testprog("bt_hold")},
                                         Child::Options{.pipe_stdin = true});
    EXPECT_TRUE(first->expect_line("ready")) << first->drain_stderr();
    Child second({"env", "BT_PORT=" + std::to_string(port), testprog("bt_hold")});
    EXPECT_EQ(second.wait(), 1);  // EADDRINUSE
    return first;
  }

  static bool alive(pid_t pid) {
    const char state = state_of(pid);
    return state != '\0' && state != 'Z' && state != 'X';
  }
};

TEST_F(ActionCliTest, TraceStopsTheAllowedOwnerAndSaysSoOnTheEvent) {
  const std::uint16_t port = free_port();
  auto bt = bindtrace(port, {"--json", "--act", "stop-owner", "--allow-comm", "bt_hold", "--yes"});
  auto owner = conflict(port);
  const auto line = bt->read_line(15s);
  ASSERT_TRUE(line) << "no event; stderr: " << bt->drain_stderr();
  EXPECT_EQ(wait_within(*bt, 10s), 0);
  const auto j = nlohmann::json::parse(*line);
  ASSERT_TRUE(j.contains("action")) << *line;
  EXPECT_EQ(j["action"]["kind"], "stop-owner");
  EXPECT_EQ(j["action"]["target"], "pid " + std::to_string(owner->pid()) + " (bt_hold)");
  EXPECT_EQ(j["action"]["result"], "stopped") << *line;
  EXPECT_EQ(j["action"]["signal"], "SIGTERM");
  EXPECT_EQ(j["action"]["port_free_after"], true);
  EXPECT_EQ(owner->wait(), 0);
  EXPECT_NE(bt->drain_stderr().find("bindtrace: actions: stopped 1"), std::string::npos);
}

TEST_F(ActionCliTest, WithoutYesAndWithoutATerminalNothingIsStopped) {
  const std::uint16_t port = free_port();
  auto bt = bindtrace(port, {"--json", "--act", "stop-owner", "--allow-comm", "bt_hold"});
  auto owner = conflict(port);
  const auto line = bt->read_line(15s);
  ASSERT_TRUE(line) << "no event; stderr: " << bt->drain_stderr();
  EXPECT_EQ(wait_within(*bt, 10s), 0);
  const auto j = nlohmann::json::parse(*line);
  EXPECT_EQ(j["action"]["result"], "refused: no terminal to confirm (use --yes)") << *line;
  EXPECT_TRUE(alive(owner->pid()));
}

TEST_F(ActionCliTest, DryRunPrintsThePlanInTheTextBlockAndChangesNothing) {
  const std::uint16_t port = free_port();
  auto bt =
      bindtrace(port, {"--color", "never", "--act", "stop-owner", "--allow-comm", "bt_hold", "--dry-run"});
  auto owner = conflict(port);
  EXPECT_EQ(wait_within(*bt, 15s), 0);
  const std::string out = all_output(*bt);
  const std::string who = "pid " + std::to_string(owner->pid()) + " (bt_hold)";
  EXPECT_NE(out.find("  action   stop-owner " + who + ": dry-run: would send SIGTERM to " + who + "\n"),
            std::string::npos)
      << out;
  EXPECT_TRUE(alive(owner->pid()));
}

TEST_F(ActionCliTest, ExecRunsTheHookWithTheEvent) {
  TempDir dir("action-cli-hook");
  const std::uint16_t port = free_port();
  auto bt =
      bindtrace(port, {"--json", "--exec", "cat > " + dir.path() + "/event.json; echo \"$BINDTRACE_PORT\""});
  auto owner = conflict(port);
  EXPECT_EQ(wait_within(*bt, 15s), 0);  // waits for the hook before it exits
  const auto j = nlohmann::json::parse(read_file(dir.path() + "/event.json"));
  EXPECT_EQ(j["port"], port);
  EXPECT_EQ(j["owner"]["holders"][0]["pid"], owner->pid());
  const std::string err = bt->drain_stderr();
  EXPECT_NE(err.find("bindtrace: hook exit 0 in "), std::string::npos) << err;
  EXPECT_NE(err.find(": " + std::to_string(port) + "\\n"), std::string::npos) << err;  // its output, escaped
  EXPECT_NE(err.find("bindtrace: hooks run 1, skipped 0 (all busy), failed 0, timed out 0"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace bindtrace
