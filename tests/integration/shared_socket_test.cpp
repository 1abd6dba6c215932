// Every process that holds the blocking socket: a prefork server (a real
// Python master that listens, then forks workers that keep the socket) in a
// real cgroup directory named like a unit, and bt_sock --fork where the test
// runs. The answer must be the same from the listener index (which knows
// only the process that called listen()), from `bindtrace --json` and from
// `bindtrace who`.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bindtrace/owner/resolver.hpp"
#include "cgroup_fixture.hpp"
#include "prefork_server.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::Child;
using testing::free_port;
using testing::kPreforkServer;
using testing::options_for;
using testing::pids_in;
using testing::testprog;
using testing::TraceHarness;

std::set<std::uint32_t> pid_set(const json& holders) {
  std::set<std::uint32_t> pids;
  for (const json& h : holders) pids.insert(h["pid"].get<std::uint32_t>());
  return pids;
}

std::set<std::uint32_t> pid_set(const Owner& owner) {
  std::set<std::uint32_t> pids;
  for (const Holder& h : owner.holders) pids.insert(h.pid);
  return pids;
}

// The inodes of the sockets `pid` has open, read independently of the code under test.
std::set<std::uint64_t> socket_inodes(std::uint32_t pid) {
  std::set<std::uint64_t> inodes;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd/";
  for (int fd = 0; fd < 64; ++fd) {
    struct stat st {};
    if (::stat((dir + std::to_string(fd)).c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) inodes.insert(st.st_ino);
  }
  return inodes;
}

class SharedSocketTest : public testing::CgroupFixture {
 protected:
  // The prefork server in cgroup `rel`, started; its pids (master first).
  std::vector<std::uint32_t> start_prefork(std::uint16_t port, int workers, const std::string& rel) {
    server_ = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/python3", "-c", kPreforkServer, std::to_string(port),
                                 std::to_string(workers)},
        Child::Options{.cgroup_procs = cgroups_->make(rel), .pipe_stdin = true});
    const auto ready = server_->expect_line("ready");
    if (!ready) ADD_FAILURE() << "the prefork server did not start: " << server_->drain_stderr();
    return ready ? pids_in(*ready) : std::vector<std::uint32_t>{};
  }
  // A bind of `port` that fails where the test runs.
  static void fail_on(std::uint16_t port) {
    Child bind({testprog("bt_sock"), "-a", "0.0.0.0", "-P", std::to_string(port), "bind"});
    EXPECT_TRUE(bind.expect_line("error")) << bind.drain_stderr();
    EXPECT_EQ(bind.wait(), 1);
  }

  std::unique_ptr<Child> server_;
};

TEST_F(SharedSocketTest, APreforkMasterAndItsWorkersAreAllHoldersInTraceAndWho) {
  const std::uint16_t port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--port", std::to_string(port), "--max-events", "1"});
  const auto attached = bt.read_err_line(15s);
  ASSERT_TRUE(attached && attached->find("bindtrace: attached") != std::string::npos) << attached.value_or("");

  const std::string unit = "bt-prefork-" + tag_ + ".service";
  const std::vector<std::uint32_t> pids = start_prefork(port, 2, "/system.slice/" + unit);
  ASSERT_EQ(pids.size(), 3u);
  const std::uint32_t master = pids[0];
  fail_on(port);

  const auto line = bt.read_line(10s);
  ASSERT_TRUE(line) << "no event from bindtrace: " << bt.drain_stderr();
  EXPECT_EQ(bt.wait(), 0);
  const json event = json::parse(*line);
  const json& owner = event["owner"];
  EXPECT_EQ(owner["source"], "index") << owner.dump();
  ASSERT_EQ(owner["holders"].size(), 3u) << owner.dump();
  EXPECT_EQ(pid_set(owner["holders"]), (std::set<std::uint32_t>(pids.begin(), pids.end())));
  // The master leads; each worker names it as its parent.
  EXPECT_EQ(owner["holders"][0]["pid"], master);
  EXPECT_EQ(owner["holders"][0]["role"], "main");
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(owner["holders"][i]["role"], "worker") << owner.dump();
    EXPECT_EQ(owner["holders"][i]["ppid"], master) << owner.dump();
    EXPECT_EQ(owner["holders"][i]["service"]["unit"], unit) << owner.dump();
  }
  // The one socket they share, with its inode as /proc shows it.
  ASSERT_EQ(owner["sockets"].size(), 1u);
  const std::set<std::uint64_t> master_sockets = socket_inodes(master);
  EXPECT_EQ(master_sockets.size(), 1u);
  EXPECT_TRUE(master_sockets.contains(owner["sockets"][0]["inode"].get<std::uint64_t>())) << owner.dump();

  Child who({BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp", "--json"});
  const auto who_line = who.read_line();
  ASSERT_TRUE(who_line) << who.drain_stderr();
  EXPECT_EQ(who.wait(), 0);
  const json answer = json::parse(*who_line);
  EXPECT_EQ(pid_set(answer["owner"]["holders"]), pid_set(owner["holders"])) << answer.dump();
  EXPECT_EQ(answer["owner"]["holders"][0]["pid"], master) << answer.dump();
  EXPECT_EQ(answer["owner"]["holders"][0]["role"], "main") << answer.dump();
}

TEST_F(SharedSocketTest, WhoSaysWhichHoldersAreWorkers) {
  const std::uint16_t port = free_port();
  const std::string unit = "bt-prefork-" + tag_ + ".service";
  const std::vector<std::uint32_t> pids = start_prefork(port, 1, "/system.slice/" + unit);
  ASSERT_EQ(pids.size(), 2u);
  const std::string master = std::to_string(pids[0]);
  const std::string worker = std::to_string(pids[1]);

  // `who PORT`: the owner sentence and the diagnosis count the worker with its master.
  Child who({BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp", "--color", "never"});
  std::string block;
  while (auto line = who.read_line()) block += *line + "\n";
  EXPECT_EQ(who.wait(), 0);
  EXPECT_NE(block.find("  owner    systemd unit " + unit + ": python3 (pid " + master + ", uid 0) and 1 worker (pid " +
                       worker + ") hold tcp 0.0.0.0:" + std::to_string(port) + " LISTEN"),
            std::string::npos)
      << block;
  EXPECT_NE(block.find("(pid " + master + ", systemd unit " + unit + ") with 1 worker"), std::string::npos) << block;

  // `who` without ports: one row per holder, the worker marked with its parent.
  Child table({BINDTRACE_BINARY, "who"});
  std::string rows;
  while (auto line = table.read_line()) rows += *line + "\n";
  EXPECT_EQ(table.wait(), 0);
  EXPECT_NE(rows.find("(worker of pid " + master + ")"), std::string::npos) << rows;
  EXPECT_EQ(rows.find("(worker of pid " + worker + ")"), std::string::npos) << rows;
}

// Where the test runs (the root cgroup here, with every other process): the
// index's sharers are looked for among all of the root cgroup's members.
TEST_F(SharedSocketTest, TheIndexFindsAForkedChildOutsideAnyUnitCgroup) {
  const std::uint16_t port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  Child parent({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--fork", "--stdin-hold",
                "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(parent.expect_line("ready")) << parent.drain_stderr();
  const auto child_line = parent.expect_line("child");
  ASSERT_TRUE(child_line);
  const std::uint32_t child = static_cast<std::uint32_t>(std::stoul(child_line->substr(child_line->find("pid=") + 4)));
  Child bind({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_TRUE(bind.expect_line("error")) << bind.drain_stderr();
  EXPECT_EQ(bind.wait(), 1);
  const auto event = trace.wait_for([&](const Event& e) {
    return e.process.pid == static_cast<std::uint32_t>(bind.pid()) && e.err == EADDRINUSE;
  });
  ASSERT_TRUE(event);

  OwnerResolver resolver(ResolverOptions{.force = OwnerSource::index}, trace.tracer().session());
  const auto owner = resolver.resolve(*event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->source, OwnerSource::index) << owner->reason;
  EXPECT_EQ(pid_set(*owner), (std::set<std::uint32_t>{static_cast<std::uint32_t>(parent.pid()), child}));
  ASSERT_EQ(owner->holders.size(), 2u);
  EXPECT_EQ(owner->holders[0].pid, static_cast<std::uint32_t>(parent.pid()));
  EXPECT_EQ(owner->holders[0].role, HolderRole::main);
  EXPECT_EQ(owner->holders[1].role, HolderRole::worker);
  EXPECT_EQ(owner->holders[1].ppid, static_cast<std::uint32_t>(parent.pid()));
  for (const Holder& h : owner->holders) EXPECT_EQ(std::set<std::uint64_t>{h.inode}, socket_inodes(h.pid));
}

}  // namespace
}  // namespace bindtrace
