// `bindtrace agent` as an operator runs it: the real binary, real failures,
// its log, its metrics over HTTP, its pins in bpffs, SIGHUP, kill -9, and the
// flight recorder seen by `dump` and drained by the next agent.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using testing::free_port;
using testing::testprog;

std::vector<nlohmann::json> read_log(const fs::path& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));  // throws on a torn record
  return records;
}

std::vector<nlohmann::json> events_on(const std::vector<nlohmann::json>& records, std::uint16_t port) {
  std::vector<nlohmann::json> out;
  for (const auto& r : records)
    if (!r.contains("record") && r.value("port", 0) == port) out.push_back(r);
  return out;
}

// `count` binds on `port` that fail with EADDRINUSE, against one holder.
void fail_binds(std::uint16_t port, int count) {
  Child loop({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--count", std::to_string(count),
              "fail-loop"});
  ASSERT_EQ(loop.wait(), 0) << loop.drain_stderr();
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    dir_ = fs::temp_directory_path() / ("bt-agent-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pin_dir_ = "/sys/fs/bpf/bt-test-" + std::to_string(::getpid());
    log_ = dir_ / "events.jsonl";
    metrics_port_ = free_port();
  }
  void TearDown() override {
    if (!pin_dir_.empty()) {
      Child unpin({BINDTRACE_BINARY, "unpin", "--pin-dir", pin_dir_});
      unpin.wait();
    }
    fs::remove_all(dir_);
  }

  std::vector<std::string> agent_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {BINDTRACE_BINARY, "agent", "--log", log_.string(), "--metrics",
                                     "127.0.0.1:" + std::to_string(metrics_port_), "--pin-dir", pin_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Waits for the agent to say it traces; returns that line.
  static std::string wait_attached(Child& agent) {
    for (int i = 0; i < 20; ++i) {
      auto line = agent.read_err_line(std::chrono::seconds(15));
      if (!line) break;
      if (line->find("attached (tier") != std::string::npos || line->find("adopted the pinned") != std::string::npos)
        return *line;
    }
    ADD_FAILURE() << "the agent did not attach: " << agent.drain_stderr();
    return {};
  }

  // Polls the log until `want` events on `port` are in it.
  std::vector<nlohmann::json> wait_for_events(std::uint16_t port, std::size_t want) const {
    std::vector<nlohmann::json> found;
    for (int i = 0; i < 100 && found.size() < want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      found = events_on(read_log(log_), port);
    }
    return found;
  }

  fs::path dir_, log_;
  std::string pin_dir_;
  std::uint16_t metrics_port_ = 0;
};

TEST_F(AgentTest, LogsFailuresWithTheOwnerAndCountsThemInMetrics) {
  Child agent(agent_args());
  wait_attached(agent);
  const auto port = free_port();
  fail_binds(port, 3);
  const auto events = wait_for_events(port, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["error"], "EADDRINUSE");
  EXPECT_TRUE(events[0].contains("owner")) << events[0].dump();
  EXPECT_GT(events[0].value("seq", 0u), 0u) << "the recorder numbers every event";
  EXPECT_EQ(fs::status(log_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  httplib::Client client("127.0.0.1", metrics_port_);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << "no answer from the metrics endpoint";
  EXPECT_EQ(res->status, 200);
  const std::string want = "port=\"" + std::to_string(port) + "\"";
  bool counted = false;
  std::istringstream body(res->body);
  for (std::string line; std::getline(body, line);)
    if (line.starts_with("bindtrace_failures_total{") && line.find(want) != std::string::npos &&
        line.find("EADDRINUSE") != std::string::npos)
      counted = line.ends_with(" 3");
  EXPECT_TRUE(counted) << res->body;
  EXPECT_NE(res->body.find("bindtrace_drops_total"), std::string::npos);

  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0);
  EXPECT_TRUE(fs::exists(fs::path(pin_dir_) / "recorder")) << "the pins outlive the agent";
}

TEST_F(AgentTest, AFailureStormIsCountedWholeNotDropped) {
  Child agent(agent_args({"--ringbuf-size", "64K"}));  // a small ring: the storm must overflow it
  wait_attached(agent);
  const auto port = free_port();
  constexpr std::uint64_t kFailures = 50000;
  fail_binds(port, static_cast<int>(kFailures));
  std::uint64_t events = 0, aggregated = 0;
  // Until every failure is in the log, within a deadline generous for a
  // loaded machine (and under the test's own timeout).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (events + aggregated < kFailures && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    events = aggregated = 0;
    for (const auto& r : read_log(log_)) {
      if (r.value("port", 0) != port) continue;
      if (!r.contains("record")) ++events;
      else if (r["record"] == "aggregate") aggregated += r["count"].get<std::uint64_t>();
    }
  }
  EXPECT_EQ(events + aggregated, kFailures) << events << " events + " << aggregated << " aggregated";
  EXPECT_GT(aggregated, 0u) << "a 64 KiB ring cannot hold the storm: the kernel must have aggregated";
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0);
}

TEST_F(AgentTest, FailuresWhileTheAgentIsDownAreInDumpAndDrainedByTheNextAgent) {
  {
    Child agent(agent_args());
    wait_attached(agent);
    agent.signal(SIGKILL);
    agent.wait();
  }
  const auto port = free_port();
  fail_binds(port, 5);  // nobody reads the ring buffer now

  Child dump({BINDTRACE_BINARY, "dump", "--json", "--log", log_.string(), "--pin-dir", pin_dir_, "--port",
              std::to_string(port)});
  std::vector<nlohmann::json> dumped;
  while (auto line = dump.read_line()) dumped.push_back(nlohmann::json::parse(*line));
  EXPECT_EQ(dump.wait(), 0) << dump.drain_stderr();
  ASSERT_EQ(dumped.size(), 5u);
  for (const auto& e : dumped) {
    EXPECT_EQ(e["port"], port);
    EXPECT_EQ(e.value("source", ""), "recorder");
  }

  Child again(agent_args());
  EXPECT_NE(wait_attached(again).find("adopted the pinned"), std::string::npos) << "no second attach";
  const auto drained = wait_for_events(port, 5);
  ASSERT_EQ(drained.size(), 5u);
  for (const auto& e : drained) EXPECT_EQ(e.value("source", ""), "recorder");
  const auto later = free_port();
  fail_binds(later, 1);
  const auto live = wait_for_events(later, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0].contains("source")) << "live events come from the ring buffer";
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(), 0);
  EXPECT_EQ(events_on(read_log(log_), port).size(), 5u) << "drained once, not again from the ring buffer";
}

TEST_F(AgentTest, SighupReloadsTheConfigurationAndChangesTheFilter) {
  const auto first = free_port();
  const auto second = free_port();
  const fs::path config = dir_ / "bindtrace.toml";
  auto write_config = [&](std::uint16_t port) {
    std::ofstream(config) << "[filter]\nports = [\"" << port << "\"]\n";
  };
  write_config(first);
  Child agent(agent_args({"--config", config.string()}));
  wait_attached(agent);
  fail_binds(second, 1);
  fail_binds(first, 1);
  ASSERT_EQ(wait_for_events(first, 1).size(), 1u);
  EXPECT_TRUE(events_on(read_log(log_), second).empty()) << "the filter keeps other ports out";

  write_config(second);
  agent.signal(SIGHUP);
  bool reattached = false;
  for (int i = 0; i < 20 && !reattached; ++i) {
    auto line = agent.read_err_line(std::chrono::seconds(10));
    if (!line) break;
    reattached = line->find("attached (tier") != std::string::npos;
  }
  ASSERT_TRUE(reattached) << agent.drain_stderr();
  fail_binds(second, 2);
  EXPECT_EQ(wait_for_events(second, 2).size(), 2u);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0);
}

TEST_F(AgentTest, ABadConfigurationIsOneLineWithFileLineAndColumn) {
  const fs::path config = dir_ / "bad.toml";
  std::ofstream(config) << "[filter]\nports = [\"8000\", \"70000\"]\n";
  Child agent(agent_args({"--config", config.string()}));
  EXPECT_EQ(agent.wait(), 2);
  const std::string err = agent.drain_stderr();
  EXPECT_NE(err.find(config.string() + ":2:"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(AgentTest, KillDuringABurstLeavesNoTornRecord) {
  const auto port = free_port();
  for (int round = 0; round < 3; ++round) {
    Child agent(agent_args());
    wait_attached(agent);
    Child loop({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--count", "20000",
                "fail-loop"});
    // Kill only while the burst is being written: the log grew in the last
    // few milliseconds and the failures are still coming.
    const auto size = [&] {
      std::error_code ec;
      const auto n = fs::file_size(log_, ec);
      return ec ? std::uintmax_t{0} : n;
    };
    bool writing = false;
    for (int i = 0; i < 1000 && !writing && loop.running(); ++i) {
      const auto before = size();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      writing = before > 0 && size() > before;
    }
    ASSERT_TRUE(writing) << "round " << round << ": the log never grew while the failures ran";
    EXPECT_TRUE(loop.running()) << "round " << round;
    agent.signal(SIGKILL);
    EXPECT_EQ(agent.wait(), 128 + SIGKILL);
    loop.wait();
  }
  Child last(agent_args());  // repairs a torn tail, if the kill cut one
  wait_attached(last);
  last.signal(SIGTERM);
  EXPECT_EQ(last.wait(), 0);
  std::size_t records = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().filename().string().rfind("events.jsonl", 0) != 0) continue;
    EXPECT_NO_THROW(records += read_log(entry.path()).size()) << entry.path();
  }
  EXPECT_GT(records, 0u);
}

TEST_F(AgentTest, TellsSystemdWhenReadyAndWhenStopping) {
  const fs::path socket_path = dir_ / "notify.sock";
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  Child agent(agent_args());
  ::unsetenv("NOTIFY_SOCKET");
  auto receive = [&] {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 20000) != 1) return std::string();
    char buf[512];
    const ssize_t n = ::recv(sock, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  };
  EXPECT_NE(receive().find("READY=1"), std::string::npos);
  agent.signal(SIGTERM);
  EXPECT_NE(receive().find("STOPPING=1"), std::string::npos);
  EXPECT_EQ(agent.wait(), 0);
  ::close(sock);
}

TEST_F(AgentTest, ActsOnAnAllowedOwnerRunsTheHookAndLogsBoth) {
  const auto port = free_port();
  const fs::path hook_out = dir_ / "hook.json";
  const fs::path config = dir_ / "actions.toml";
  std::ofstream(config) << "[filter]\nports = [\"" << port << "\"]\n"
                        << "[actions]\nact = \"stop-owner\"\nallow_comm = [\"bt_hold\"]\ngrace = \"2s\"\n"
                        << "exec = \"cat > " << hook_out.string() << "\"\n";
  Child agent(agent_args({"--config", config.string()}));
  wait_attached(agent);
  ::setenv("BT_PORT", std::to_string(port).c_str(), 1);
  Child owner({testprog("bt_hold")}, Child::Options{.pipe_stdin = true});
  ::unsetenv("BT_PORT");
  ASSERT_TRUE(owner.expect_line("ready"));
  Child fail({testprog("bt_sock"), "-a", "0.0.0.0", "-P", std::to_string(port), "bind"});
  EXPECT_EQ(fail.wait(), 1);

  EXPECT_EQ(owner.wait(), 0) << "the allowed owner ends on SIGTERM";
  const auto events = wait_for_events(port, 1);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].contains("action")) << events[0].dump();
  EXPECT_EQ(events[0]["action"]["kind"], "stop-owner");
  EXPECT_EQ(events[0]["action"]["result"], "stopped");
  EXPECT_EQ(events[0]["action"]["port_free_after"], true);

  bool hook_logged = false;
  for (int i = 0; i < 50 && !hook_logged; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& r : read_log(log_)) hook_logged |= r.value("record", "") == "hook";
  }
  EXPECT_TRUE(hook_logged) << "the hook's result is a record of the log";
  std::ifstream in(hook_out);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(nlohmann::json::parse(body)["port"], port) << "the hook got the event JSON on stdin";
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0);
}

TEST_F(AgentTest, AFullDiskIsCountedAndReportedNotACrash) {
  const fs::path disk = dir_ / "disk";
  fs::create_directories(disk);
  const testing::SmallTmpfs tmpfs(disk.string(), "64k");  // unmounted even when an assertion fails
  ASSERT_TRUE(tmpfs.mounted()) << std::strerror(tmpfs.error());
  {
    std::ofstream fill(disk / "filler");  // leave almost nothing
    fill << std::string(60 * 1024, 'x');
  }
  log_ = disk / "events.jsonl";
  Child agent(agent_args());
  wait_attached(agent);
  const auto port = free_port();
  fail_binds(port, 20);  // ~2 KB each with the owner: more than the disk holds
  bool reported = false;
  for (int i = 0; i < 10 && !reported; ++i) {
    auto line = agent.read_err_line(std::chrono::seconds(3));
    reported = line && line->find("records not written (No space left on device)") != std::string::npos;
  }
  EXPECT_TRUE(reported) << agent.drain_stderr();
  httplib::Client client("127.0.0.1", metrics_port_);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find("bindtrace_log_write_errors_total 0\n"), std::string::npos) << "the errors are counted";
  fs::remove(disk / "filler");  // space again: the agent goes on writing
  const auto later = free_port();
  fail_binds(later, 1);
  EXPECT_EQ(wait_for_events(later, 1).size(), 1u);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0) << "a full disk never ends the agent";
}

TEST_F(AgentTest, UnpinDetachesAndRemovesTheRecorder) {
  Child agent(agent_args());
  wait_attached(agent);
  agent.signal(SIGTERM);
  ASSERT_EQ(agent.wait(), 0);
  ASSERT_TRUE(fs::exists(fs::path(pin_dir_) / "recorder_meta"));
  Child unpin({BINDTRACE_BINARY, "unpin", "--pin-dir", pin_dir_});
  EXPECT_EQ(unpin.wait(), 0);
  EXPECT_NE(unpin.drain_stderr().find("removed"), std::string::npos);
  EXPECT_FALSE(fs::exists(pin_dir_));
  // With nothing pinned, failures are no longer recorded anywhere.
  const auto port = free_port();
  fail_binds(port, 1);
  Child dump({BINDTRACE_BINARY, "dump", "--json", "--log", log_.string(), "--pin-dir", pin_dir_, "--port",
              std::to_string(port)});
  EXPECT_FALSE(dump.read_line(std::chrono::seconds(5)));
  dump.wait();
}

}  // namespace
}  // namespace bindtrace
