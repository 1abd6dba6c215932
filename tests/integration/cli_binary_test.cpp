// The built `bindtrace` binary, run as a user would: --json against real
// test programs, the attached line, exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sys/utsname.h>
#include <unistd.h>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

class CliBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }
};

TEST_F(CliBinaryTest, JsonReportsTheFailureWithPidAndRequestedEndpoint) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--port", std::to_string(port), "--max-events", "2"});
  auto attached = bt.read_err_line();
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->rfind("bindtrace: attached (tier: ", 0), 0u) << *attached;

  Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(holder.expect_line("ready"));
  Child v4({testprog("bt_sock"), "-a", "0.0.0.0", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(v4.wait(), 1);
  Child v6({testprog("bt_sock"), "-f", "6", "--no-v6only", "-a", "::", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(v6.wait(), 1);

  std::vector<nlohmann::json> events;
  for (int i = 0; i < 2; ++i) {
    auto line = bt.read_line();
    ASSERT_TRUE(line) << "bindtrace printed " << i << " events";
    events.push_back(nlohmann::json::parse(*line));
  }
  EXPECT_EQ(bt.wait(), 0);  // --max-events ends it

  EXPECT_EQ(events[0]["event"], "bind_failed");
  EXPECT_EQ(events[0]["error"], "EADDRINUSE");
  EXPECT_EQ(events[0]["addr"], "0.0.0.0");
  EXPECT_EQ(events[0]["port"], port);
  EXPECT_EQ(events[0]["process"]["pid"], v4.pid());
  EXPECT_EQ(events[0]["process"]["comm"], "bt_sock");
  EXPECT_NE(events[0]["process"]["cmdline"].get<std::string>().find("bt_sock"), std::string::npos);
  EXPECT_EQ(events[1]["family"], "ipv6");
  EXPECT_EQ(events[1]["addr"], "::");
  EXPECT_EQ(events[1]["process"]["pid"], v6.pid());
}

// --no-owner skips the owner stage only: the failing process is still
// attributed and the failure still diagnosed on what is known.
TEST_F(CliBinaryTest, NoOwnerStillAttributesAndDiagnoses) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--no-owner", "--port", std::to_string(port), "--max-events", "1"});
  ASSERT_TRUE(bt.read_err_line());  // attached
  Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(holder.expect_line("ready"));
  Child failer({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(failer.wait(), 1);

  auto line = bt.read_line();
  ASSERT_TRUE(line) << bt.drain_stderr();
  EXPECT_EQ(bt.wait(), 0);
  const auto event = nlohmann::json::parse(*line);
  EXPECT_FALSE(event.contains("owner")) << event.dump();
  ASSERT_TRUE(event["process"].contains("service")) << event.dump();
  EXPECT_FALSE(event["process"]["service"]["manager"].get<std::string>().empty()) << event.dump();
  ASSERT_TRUE(event.contains("diagnosis")) << event.dump();
  EXPECT_FALSE(event["diagnosis"]["code"].get<std::string>().empty()) << event.dump();
  const std::string err = bt.drain_stderr();
  EXPECT_EQ(err.find("owners resolved"), std::string::npos) << err;
}

TEST_F(CliBinaryTest, SigintDetachesAndPrintsASummaryInTextMode) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--port", std::to_string(port), "--color", "never"});
  ASSERT_TRUE(bt.read_err_line());
  Child fail({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(fail.wait(), 1);
  ASSERT_TRUE(bt.expect_line("  process  bt_sock"));
  bt.signal(SIGINT);
  auto summary = bt.expect_line("       1  bind_failed    EADDRNOTAVAIL");
  EXPECT_TRUE(summary);
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_NE(bt.drain_stderr().find("dropped 0"), std::string::npos);
}

TEST_F(CliBinaryTest, InfoListsEveryTierTrial) {
  Child info({BINDTRACE_BINARY, "info", "--json"});
  auto line = info.read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(info.wait(), 0);
  const auto j = nlohmann::json::parse(*line);
  ASSERT_EQ(j["tiers"].size(), 4u);
  const char* order[] = {"fentry", "kprobe", "tracepoint", "raw"};
  std::string first_ok;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& t = j["tiers"][i];
    EXPECT_EQ(t["tier"], order[i]);
    if (t["ok"].get<bool>()) {
      if (first_ok.empty()) first_ok = order[i];
      EXPECT_FALSE(t["variant"].get<std::string>().empty()) << t.dump();
    } else {
      EXPECT_FALSE(t["stage"].get<std::string>().empty()) << t.dump();
      EXPECT_FALSE(t["message"].get<std::string>().empty()) << t.dump();
    }
  }
  EXPECT_EQ(j["auto"], first_ok.empty() ? "none" : first_ok) << "auto is the first tier that attaches";
  EXPECT_FALSE(first_ok.empty()) << "this machine traces with at least one tier";
  EXPECT_EQ(j["btf"].get<bool>(), ::access("/sys/kernel/btf/vmlinux", R_OK) == 0);
  utsname un{};
  ASSERT_EQ(::uname(&un), 0);
  EXPECT_EQ(j["kernel"], un.release);
}

TEST_F(CliBinaryTest, UsageErrorExitsTwoWithOneLine) {
  Child bt({BINDTRACE_BINARY, "--port", "70000"});
  EXPECT_EQ(bt.wait(), 2);
  const std::string err = bt.drain_stderr();
  EXPECT_EQ(err.rfind("bindtrace: --port", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

TEST_F(CliBinaryTest, WithoutPrivilegeExitsThreeNamingTheCapability) {
  Child bt({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            BINDTRACE_BINARY, "--duration", "1s"});
  EXPECT_EQ(bt.wait(), 3);
  EXPECT_NE(bt.drain_stderr().find("CAP_BPF"), std::string::npos);
}

}  // namespace
}  // namespace bindtrace
