// `who` and `check` with a running agent: the holders come from the agent's
// pinned holder walk (no /proc scan), the answer is the same as without it,
// and --json says which path answered and why the pins were not used.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "prefork_server.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace testing;
using json = nlohmann::json;

class WhoAgentPinsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    pin_dir_ = "/sys/fs/bpf/bt-test-" + std::to_string(::getpid()) + "-who";
  }
  void TearDown() override {
    if (agent_) {
      agent_->signal(SIGTERM);
      wait_within(*agent_, 15s);
    }
    Child unpin({BINDTRACE_BINARY, "unpin", "--pin-dir", pin_dir_});
    wait_within(unpin, 15s);
  }

  // An agent pinning under pin_dir_, up to the moment its holder walk is pinned.
  void start_agent() {
    agent_ = std::make_unique<Child>(std::vector<std::string>{BINDTRACE_BINARY, "agent", "--log",
                                                              logs_.path() + "/events.jsonl", "--metrics", "off",
                                                              "--pin-dir", pin_dir_});
    const std::string walk = pin_dir_ + "/holder_walk_abi" + std::to_string(BT_ABI_VERSION);
    ASSERT_TRUE(eventually([&] { return fs::exists(walk); }, 30s)) << "no holder walk pinned: "
                                                                   << agent_->drain_stderr();
  }

  static json who_json(const std::vector<std::string>& extra) {
    std::vector<std::string> argv{BINDTRACE_BINARY, "who", "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Child who(argv);
    const std::string out = all_output(who);
    EXPECT_EQ(wait_within(who, 20s), 0) << out;
    return json::parse(out, nullptr, false);
  }

  static std::set<std::uint32_t> holder_pids(const json& port) {
    std::set<std::uint32_t> pids;
    for (const json& h : port["owner"]["holders"]) pids.insert(h["pid"].get<std::uint32_t>());
    return pids;
  }

  std::string pin_dir_;
  TempDir logs_{"who-agent"};
  std::unique_ptr<Child> agent_;
};

TEST_F(WhoAgentPinsTest, APreforkServersHoldersComeFromTheAgentsWalkAsFromProc) {
  start_agent();
  const std::uint16_t port = free_port();
  Child server({"/usr/bin/python3", "-c", kPreforkServer, std::to_string(port), "2"}, {.pipe_stdin = true});
  const auto ready = server.expect_line("ready");
  ASSERT_TRUE(ready) << server.drain_stderr();
  const std::vector<std::uint32_t> pids = pids_in(*ready);
  const std::set<std::uint32_t> expected(pids.begin(), pids.end());
  ASSERT_EQ(expected.size(), 3u);

  const json pinned = who_json({"--pin-dir", pin_dir_, std::to_string(port) + "/tcp"});
  ASSERT_FALSE(pinned.is_discarded());
  EXPECT_EQ(pinned["holders_from"], "agent pins") << pinned.dump();
  EXPECT_FALSE(pinned.contains("agent_pins")) << pinned.dump();
  EXPECT_EQ(holder_pids(pinned), expected) << pinned.dump();

  // The same question without the pins: the /proc scan, the same answer.
  const json scanned = who_json({"--pin-dir", "/sys/fs/bpf/bt-test-none", std::to_string(port) + "/tcp"});
  EXPECT_EQ(scanned["holders_from"], "proc scan") << scanned.dump();
  EXPECT_EQ(scanned["agent_pins"], "no agent pins in /sys/fs/bpf/bt-test-none") << scanned.dump();
  EXPECT_EQ(holder_pids(scanned), expected) << scanned.dump();
  EXPECT_EQ(pinned["owner"]["holders"], scanned["owner"]["holders"]);
  server.close_stdin();
  wait_within(server, 10s);
}

// The pinned walk is shared: while another command has its inodes in the
// walk's map, their holders are not this answer's.
TEST_F(WhoAgentPinsTest, AnotherCommandsInodesInTheSharedWalkAreNotHolders) {
  start_agent();
  const std::uint16_t port = free_port(), other_port = free_port();
  const auto holder = bt_sock_listener(port);
  const auto other = bt_sock_listener(other_port);
  const std::uint64_t other_inode = socket_inode(other->pid(), 3);
  ASSERT_NE(other_inode, 0u);
  const int wanted = bpf_obj_get((pin_dir_ + "/holder_wanted_abi" + std::to_string(BT_ABI_VERSION)).c_str());
  ASSERT_GE(wanted, 0);
  const std::uint8_t one = 1;
  ASSERT_EQ(bpf_map_update_elem(wanted, &other_inode, &one, BPF_ANY), 0);

  const json who = who_json({"--pin-dir", pin_dir_, std::to_string(port) + "/tcp"});
  EXPECT_EQ(who["holders_from"], "agent pins") << who.dump();
  EXPECT_EQ(holder_pids(who), std::set<std::uint32_t>{std::uint32_t(holder->pid())}) << who.dump();
  bpf_map_delete_elem(wanted, &other_inode);
  ::close(wanted);
}

TEST_F(WhoAgentPinsTest, PinsOfAnotherAbiAreStaleAndNotUsed) {
  start_agent();
  agent_->signal(SIGTERM);
  wait_within(*agent_, 15s);
  agent_.reset();
  // What an agent of another build would have left: the walk under another ABI's name.
  const std::string abi = std::to_string(BT_ABI_VERSION);
  const std::string old = std::to_string(BT_ABI_VERSION - 1);
  for (const char* stem : {"/holder_walk_abi", "/holder_wanted_abi"}) {
    const int fd = bpf_obj_get((pin_dir_ + stem + abi).c_str());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(bpf_obj_pin(fd, (pin_dir_ + stem + old).c_str()), 0);
    ::close(fd);
    ASSERT_EQ(::unlink((pin_dir_ + stem + abi).c_str()), 0);
  }
  const std::uint16_t port = free_port();
  const auto holder = bt_sock_listener(port);
  const json who = who_json({"--pin-dir", pin_dir_, std::to_string(port) + "/tcp"});
  EXPECT_EQ(who["holders_from"], "proc scan") << who.dump();
  EXPECT_EQ(who["agent_pins"], "stale agent pins in " + pin_dir_ + " (holder walk of ABI " + old +
                                   "; this bindtrace reads ABI " + abi + ")")
      << who.dump();
  EXPECT_EQ(holder_pids(who), std::set<std::uint32_t>{std::uint32_t(holder->pid())}) << who.dump();
}

}  // namespace
}  // namespace bindtrace
