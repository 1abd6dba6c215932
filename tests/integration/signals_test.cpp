// Signals on the real binary: SIGTERM detaches and flushes (text summary,
// JSON events, counters) like SIGINT; a reader that goes away (`| head -1`)
// ends every command quietly with status 0. (SIGINT: cli_binary_test.cpp;
// SIGHUP reloads the agent: agent_test.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  static pid_t fail_bind(std::uint16_t port) {
    Child fail({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
    EXPECT_EQ(fail.wait(), 1);
    return fail.pid();
  }
};

TEST_F(SignalsTest, SigtermDetachesAndPrintsTheSummaryInTextMode) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--port", std::to_string(port), "--color", "never"});
  ASSERT_TRUE(bt.read_err_line());
  fail_bind(port);
  ASSERT_TRUE(bt.expect_line("  process  bt_sock"));
  bt.signal(SIGTERM);
  EXPECT_TRUE(bt.expect_line("       1  bind_failed    EADDRNOTAVAIL"));
  EXPECT_EQ(bt.wait(), 0);
  const std::string err = bt.drain_stderr();
  EXPECT_NE(err.find("bindtrace: seen 1,"), std::string::npos) << err;
  EXPECT_NE(err.find("printed 1,"), std::string::npos) << err;
}

TEST_F(SignalsTest, SigtermInJsonModeFlushesEveryEventAndTheCounters) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--port", std::to_string(port)});
  ASSERT_TRUE(bt.read_err_line());
  const pid_t first = fail_bind(port);
  const pid_t second = fail_bind(port);
  auto one = bt.read_line();
  auto two = bt.read_line();
  ASSERT_TRUE(one && two);
  bt.signal(SIGTERM);
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ(nlohmann::json::parse(*one)["process"]["pid"], first);
  EXPECT_EQ(nlohmann::json::parse(*two)["process"]["pid"], second);
  EXPECT_FALSE(bt.read_line()) << "JSON mode prints events only";
  const std::string err = bt.drain_stderr();
  EXPECT_NE(err.find("printed 2"), std::string::npos) << err;
}

// Flush means what the kernel already sent too: three failures wait in the
// ring buffer (bindtrace stopped) when SIGTERM arrives.
TEST_F(SignalsTest, SigtermPrintsTheEventsAlreadyInTheRingBuffer) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--no-owner", "--port", std::to_string(port)});
  ASSERT_TRUE(bt.read_err_line());
  bt.signal(SIGSTOP);
  for (int i = 0; i < 3; ++i) fail_bind(port);
  bt.signal(SIGTERM);
  bt.signal(SIGCONT);
  int printed = 0;
  while (auto line = bt.read_line()) printed += nlohmann::json::parse(*line)["event"] == "bind_failed";
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ(printed, 3) << bt.drain_stderr();
}

TEST_F(SignalsTest, TraceIntoAClosedPipeEndsQuietlyWithStatusZero) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--port", std::to_string(port)},
           Child::Options{.stdout_reader_gone = true});
  auto attached = bt.read_err_line();
  ASSERT_TRUE(attached);
  ASSERT_NE(attached->find("attached"), std::string::npos) << *attached;
  fail_bind(port);  // the first write fails: bindtrace stops by itself
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ(bt.drain_stderr(), "") << "nothing to say about a reader that left";
}

TEST_F(SignalsTest, TracePipedIntoHeadEndsWithStatusZero) {
  const auto port = free_port();
  const std::string command = "'" + std::string(BINDTRACE_BINARY) + "' --json --port " +
                              std::to_string(port) + " | head -n 1; echo \"bindtrace=${PIPESTATUS[0]}\"";
  Child pipeline({"bash", "-c", command});
  ASSERT_TRUE(pipeline.read_err_line());  // attached
  fail_bind(port);
  auto first = pipeline.read_line();
  ASSERT_TRUE(first);
  EXPECT_EQ(nlohmann::json::parse(*first)["event"], "bind_failed");
  // head has gone; bindtrace notices at its next write.
  std::optional<std::string> status;
  for (int i = 0; i < 50 && !status; ++i) {
    fail_bind(port);
    status = pipeline.read_line(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(status) << "bindtrace did not stop";
  EXPECT_EQ(*status, "bindtrace=0");
  EXPECT_EQ(pipeline.wait(), 0);
  const std::string err = pipeline.drain_stderr();
  EXPECT_EQ(err.find("rror"), std::string::npos) << err;
  EXPECT_EQ(err.find("Broken pipe"), std::string::npos) << err;
}

// The one-shot commands write everything at once: their first write fails.
TEST_F(SignalsTest, WhoDumpAndInfoIntoAClosedPipeEndQuietlyWithStatusZero) {
  const std::string log = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/rotated/events.jsonl";
  for (const std::vector<std::string>& args : {std::vector<std::string>{"who"},
                                               {"who", "--json"},
                                               {"info"},
                                               {"dump", "--json", "--log", log, "--no-recorder"},
                                               {"dump", "--log", log, "--no-recorder"}}) {
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), BINDTRACE_BINARY);
    Child child(argv, Child::Options{.stdout_reader_gone = true});
    EXPECT_EQ(child.wait(), 0) << args[0];
    const std::string err = child.drain_stderr();
    EXPECT_EQ(err.find("cannot write"), std::string::npos) << args[0] << ": " << err;
    EXPECT_EQ(err.find("Broken pipe"), std::string::npos) << args[0] << ": " << err;
  }
}

}  // namespace
}  // namespace bindtrace
