// `bindtrace who` and `bindtrace check` run as a user would, against real
// holders: exit codes, the holder named, the fallback without privilege.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

class WhoCheckTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  std::unique_ptr<Child> hold(std::uint16_t port) { return testing::bt_sock_listener(port); }

  static std::string out_of(Child& c) {
    std::string all;
    while (auto line = c.read_line(std::chrono::seconds(5))) all += *line + "\n";
    return all;
  }
};

TEST_F(WhoCheckTest, WhoNamesTheHolderAndExitsZero) {
  const auto port = free_port();
  auto holder = hold(port);
  Child who({BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp", "--json"});
  auto line = who.read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(who.wait(), 0);
  const auto j = nlohmann::json::parse(*line);
  EXPECT_EQ(j["held"], true);
  EXPECT_EQ(j["owner"]["kind"], "process");
  EXPECT_EQ(j["owner"]["holders"][0]["pid"], holder->pid());
  EXPECT_EQ(j["owner"]["holders"][0]["comm"], "bt_sock");
  EXPECT_EQ(j["owner"]["sockets"][0]["addr"], "127.0.0.1");
}

TEST_F(WhoCheckTest, WhoDiagnosesATakenPortAndOffersAFreeOne) {
  const auto port = free_port();
  auto holder = hold(port);
  Child who({BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp", "--json"});
  auto line = who.read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(who.wait(), 0);
  const auto j = nlohmann::json::parse(*line);
  EXPECT_EQ(j["diagnosis"]["code"], "foreign_service");
  EXPECT_NE(j["diagnosis"]["summary"].get<std::string>().find(std::to_string(holder->pid())), std::string::npos);
  ASSERT_FALSE(j["alternatives"].empty());
  EXPECT_NE(j["alternatives"][0], port);
}

TEST_F(WhoCheckTest, WhoOnAFreePortExitsOne) {
  const std::string port = std::to_string(free_port());
  Child who({BINDTRACE_BINARY, "who", port});
  EXPECT_EQ(out_of(who), port + "  free (tcp and udp)\n");
  EXPECT_EQ(who.wait(), 1);
  Child json({BINDTRACE_BINARY, "who", port, "--json"});
  EXPECT_EQ(out_of(json), "{\"proto\":\"any\",\"port\":" + port + ",\"held\":false}\n");
  EXPECT_EQ(json.wait(), 1);
}

TEST_F(WhoCheckTest, WhoWithoutPortsListsTheListener) {
  const auto port = free_port();
  auto holder = hold(port);
  Child who({BINDTRACE_BINARY, "who"});
  const std::string out = out_of(who);
  EXPECT_EQ(who.wait(), 0);
  EXPECT_NE(out.find("127.0.0.1:" + std::to_string(port) + " "), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(holder->pid())), std::string::npos);
}

TEST_F(WhoCheckTest, WhoWithoutPrivilegeStillAnswersThroughTheFallback) {
  const auto port = free_port();
  auto holder = hold(port);
  Child who({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
             BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp"});
  const std::string out = out_of(who);
  EXPECT_EQ(who.wait(), 0);  // held, even though the holder is not visible
  EXPECT_NE(out.find("LISTEN 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
  const std::string err = who.drain_stderr();
  EXPECT_NE(err.find("sock_diag"), std::string::npos) << err;
  EXPECT_NE(err.find("not root"), std::string::npos) << err;
}

TEST_F(WhoCheckTest, CheckFreePortsExitsZero) {
  const std::string port = std::to_string(free_port());
  Child check({BINDTRACE_BINARY, "check", port});
  const std::string out = out_of(check);
  EXPECT_EQ(check.wait(), 0);
  EXPECT_EQ(out.rfind(port + "/tcp ", 0), 0u) << out;
  EXPECT_NE(out.find(" free "), std::string::npos) << out;
  EXPECT_EQ(out.find("TAKEN"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST_F(WhoCheckTest, CheckNamesTheHolderOfATakenPortAndExitsOne) {
  const auto port = free_port();
  auto holder = hold(port);
  Child check({BINDTRACE_BINARY, "check", std::to_string(port - 1) + "-" + std::to_string(port)});
  const std::string out = out_of(check);
  EXPECT_EQ(check.wait(), 1);
  const auto line_at = out.find(std::to_string(port) + "/tcp");
  ASSERT_NE(line_at, std::string::npos) << out;
  EXPECT_EQ(out.substr(line_at, out.find('\n', line_at) - line_at).find("TAKEN LISTEN") != std::string::npos, true)
      << out;
  EXPECT_NE(out.find("bt_sock (pid " + std::to_string(holder->pid())), std::string::npos) << out;
}

TEST_F(WhoCheckTest, CheckReadsAComposeFile) {
  const auto port = free_port();
  auto holder = hold(port);
  const std::string path = "/tmp/bindtrace-compose-" + std::to_string(::getpid()) + ".yml";
  std::ofstream(path) << "services:\n  web:\n    image: x\n    ports:\n      - \"" << port << ":80\"\n";
  Child check({BINDTRACE_BINARY, "check", "--from", path, "--json"});
  auto line = check.read_line();
  EXPECT_EQ(check.wait(), 1);
  ::unlink(path.c_str());
  ASSERT_TRUE(line);
  const auto j = nlohmann::json::parse(*line);
  EXPECT_EQ(j["port"], port);
  EXPECT_EQ(j["free"], false);
  EXPECT_EQ(j["origin"], path + ":5");
}

TEST_F(WhoCheckTest, CheckWithAnUnreadableFileIsAUsageError) {
  Child check({BINDTRACE_BINARY, "check", "--from", "/nonexistent/compose.yml"});
  EXPECT_EQ(check.wait(), 2);
  EXPECT_EQ(check.drain_stderr(), "bindtrace: --from: cannot read '/nonexistent/compose.yml'\n");
  EXPECT_EQ(out_of(check), "");
}

TEST_F(WhoCheckTest, TraceEventNamesTheBlockingOwner) {
  const auto port = free_port();
  auto holder = hold(port);
  Child bt({BINDTRACE_BINARY, "--json", "--port", std::to_string(port), "--max-events", "1"});
  ASSERT_TRUE(bt.read_err_line());
  Child fail({testprog("bt_sock"), "-a", "0.0.0.0", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(fail.wait(), 1);
  auto line = bt.read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(bt.wait(), 0);
  const auto j = nlohmann::json::parse(*line);
  EXPECT_EQ(j["owner"]["kind"], "process");
  EXPECT_EQ(j["owner"]["state"], "LISTEN");
  EXPECT_EQ(j["owner"]["holders"][0]["pid"], holder->pid());
  EXPECT_EQ(j["owner"]["sockets"][0]["addr"], "127.0.0.1");
}

}  // namespace
}  // namespace bindtrace
