// SocketIterators against real sockets held by real processes
// (tests/testprogs/bt_sock): listeners, TIME_WAIT, IPv6, UDP, forked holders,
// and a listener in another network namespace that must stay invisible.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bindtrace/owner/iterators.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

std::uint32_t our_netns() {
  struct stat st {};
  if (::stat("/proc/self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

// The pid in "ready pid=P port=N" or "child pid=P".
pid_t pid_of(const std::string& line) {
  auto at = line.find("pid=");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::stol(line.substr(at + 4)));
}

// fd -> socket inode of every socket `pid` holds, from /proc/PID/fd.
std::vector<std::pair<int, std::uint64_t>> proc_sockets(pid_t pid) {
  std::vector<std::pair<int, std::uint64_t>> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* ent = ::readdir(d)) {
    char target[64] = {};
    if (::readlink((dir + "/" + ent->d_name).c_str(), target, sizeof(target) - 1) <= 0) continue;
    std::string t = target;
    if (t.rfind("socket:[", 0) == 0) out.emplace_back(std::stoi(ent->d_name), std::stoull(t.substr(8)));
  }
  ::closedir(d);
  return out;
}

class OwnerIteratorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    iterators_ = std::make_unique<SocketIterators>();
    port_ = free_port();
  }

  void TearDown() override {
    if (!netns_.empty()) (void)std::system(("ip netns del " + netns_ + " 2>/dev/null").c_str());
  }

  // bt_sock ARGS --stdin-hold ACTION, held until the test ends. `prefix` runs it
  // through another command (ip netns exec).
  std::unique_ptr<Child> hold(std::vector<std::string> args, const std::string& action = "listen",
                              std::vector<std::string> prefix = {}) {
    args.insert(args.begin(), testprog("bt_sock"));
    args.insert(args.begin(), prefix.begin(), prefix.end());
    args.push_back("--stdin-hold");
    args.push_back(action);
    auto child = std::make_unique<Child>(args, Child::Options{.pipe_stdin = true});
    ready_ = child->expect_line("ready");
    EXPECT_TRUE(ready_) << "holder did not start: " << child->drain_stderr();
    return child;
  }

  std::vector<SocketEntry> list(std::uint16_t port, Proto proto = Proto::tcp, bool listening_only = false) {
    return iterators_->list(SocketQuery{.proto = proto, .port = port, .listening_only = listening_only});
  }

  std::string port_arg() const { return std::to_string(port_); }

  std::unique_ptr<SocketIterators> iterators_;
  std::uint16_t port_ = 0;
  std::optional<std::string> ready_;
  std::string netns_;
};

TEST_F(OwnerIteratorsTest, ListsAListenerOnThePort) {
  auto holder = hold({"-a", "127.0.0.1", "-P", port_arg()});
  const auto held = proc_sockets(holder->pid());
  ASSERT_EQ(held.size(), 1u);

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.proto, Proto::tcp);
  EXPECT_EQ(e.family, Family::ipv4);
  EXPECT_EQ(e.state, TcpState::listen);
  EXPECT_EQ(e.local_addr, "127.0.0.1");
  EXPECT_EQ(e.local_port, port_);
  EXPECT_EQ(e.remote_addr, "0.0.0.0");
  EXPECT_EQ(e.remote_port, 0);
  EXPECT_FALSE(e.v4_mapped);
  EXPECT_EQ(e.inode, held[0].second);
  EXPECT_NE(e.cookie, 0u);
  EXPECT_EQ(e.uid, ::getuid());
  EXPECT_EQ(e.netns, our_netns());
  EXPECT_TRUE(e.options_known);
  EXPECT_FALSE(e.reuseaddr);
  EXPECT_FALSE(e.reuseport);
  EXPECT_EQ(e.expires_ms, -1);
}

TEST_F(OwnerIteratorsTest, ReuseFlagsAreReported) {
  auto holder = hold({"-a", "127.0.0.1", "-P", port_arg(), "--reuseaddr", "--reuseport"});

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].options_known);
  EXPECT_TRUE(entries[0].reuseaddr);
  EXPECT_TRUE(entries[0].reuseport);
  EXPECT_FALSE(entries[0].v6only);
}

TEST_F(OwnerIteratorsTest, TimeWaitIsListedWithItsExpiry) {
  Child tw({testprog("bt_sock"), "-a", "127.0.0.1", "-P", port_arg(), "time-wait"});
  ASSERT_TRUE(tw.expect_line("timewait")) << tw.drain_stderr();
  ASSERT_EQ(tw.wait(), 0);

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.state, TcpState::time_wait);
  EXPECT_EQ(e.local_addr, "127.0.0.1");
  EXPECT_EQ(e.local_port, port_);
  EXPECT_EQ(e.remote_addr, "127.0.0.1");
  EXPECT_NE(e.remote_port, 0);
  EXPECT_EQ(e.inode, 0u);
  EXPECT_FALSE(e.options_known);
  EXPECT_GT(e.expires_ms, 0);
  EXPECT_LE(e.expires_ms, 60000);
}

TEST_F(OwnerIteratorsTest, ListeningOnlyLeavesOutTimeWait) {
  Child tw({testprog("bt_sock"), "-a", "127.0.0.1", "-P", port_arg(), "time-wait"});
  ASSERT_TRUE(tw.expect_line("timewait")) << tw.drain_stderr();
  ASSERT_EQ(tw.wait(), 0);
  auto holder = hold({"-a", "127.0.0.1", "-P", port_arg(), "--reuseaddr"});

  ASSERT_EQ(list(port_).size(), 2u);
  const auto listeners = list(port_, Proto::tcp, /*listening_only=*/true);
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(listeners[0].state, TcpState::listen);
  EXPECT_TRUE(listeners[0].reuseaddr);
}

TEST_F(OwnerIteratorsTest, Ipv6WildcardListener) {
  auto holder = hold({"-f", "6", "--no-v6only", "-a", "::", "-P", port_arg()});

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.family, Family::ipv6);
  EXPECT_EQ(e.local_addr, "::");
  EXPECT_EQ(e.state, TcpState::listen);
  EXPECT_FALSE(e.v4_mapped);
  EXPECT_TRUE(e.options_known);
  EXPECT_FALSE(e.v6only);
}

TEST_F(OwnerIteratorsTest, V4MappedAddressIsShownAsIpv4) {
  auto holder = hold({"-f", "6", "--no-v6only", "-a", "::ffff:127.0.0.1", "-P", port_arg()});

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].family, Family::ipv6);
  EXPECT_TRUE(entries[0].v4_mapped);
  EXPECT_EQ(entries[0].local_addr, "127.0.0.1");
}

TEST_F(OwnerIteratorsTest, UdpBoundSocket) {
  port_ = free_port(SOCK_DGRAM);
  auto holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", port_arg()}, "bind");
  const auto held = proc_sockets(holder->pid());
  ASSERT_EQ(held.size(), 1u);

  const auto entries = list(port_, Proto::udp, /*listening_only=*/true);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.proto, Proto::udp);
  EXPECT_EQ(e.family, Family::ipv4);
  EXPECT_EQ(e.state, TcpState::close);
  EXPECT_EQ(e.local_addr, "127.0.0.1");
  EXPECT_EQ(e.local_port, port_);
  EXPECT_EQ(e.inode, held[0].second);
  EXPECT_TRUE(e.options_known);
}

TEST_F(OwnerIteratorsTest, OtherPortsAreFilteredInTheKernel) {
  const std::uint16_t other = free_port();
  auto a = hold({"-a", "127.0.0.1", "-P", port_arg()});
  auto b = hold({"-a", "127.0.0.1", "-P", std::to_string(other)});

  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].local_port, port_);

  int seen_other = 0;
  for (const SocketEntry& e : list(0))
    if (e.local_port == other) ++seen_other;
  EXPECT_EQ(seen_other, 1);  // port 0 lists every port
}

TEST_F(OwnerIteratorsTest, HoldersOfASocketAreFound) {
  auto holder = hold({"-a", "127.0.0.1", "-P", port_arg()});
  const auto held = proc_sockets(holder->pid());
  ASSERT_EQ(held.size(), 1u);
  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);

  const auto holders = iterators_->holders({entries[0].inode});
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, static_cast<std::uint32_t>(holder->pid()));
  EXPECT_EQ(holders[0].comm, "bt_sock");
  EXPECT_EQ(holders[0].inode, entries[0].inode);
  EXPECT_EQ(holders[0].fd, held[0].first);
}

TEST_F(OwnerIteratorsTest, ForkedHoldersAreAllReturned) {
  auto holder = hold({"-a", "127.0.0.1", "-P", port_arg(), "--fork"});
  auto child_line = holder->expect_line("child");
  ASSERT_TRUE(child_line);
  const pid_t child = pid_of(*child_line);
  ASSERT_GT(child, 0);
  const auto entries = list(port_);
  ASSERT_EQ(entries.size(), 1u);

  const auto holders = iterators_->holders({entries[0].inode});
  ASSERT_EQ(holders.size(), 2u);
  std::set<std::uint32_t> pids = {holders[0].pid, holders[1].pid};
  EXPECT_EQ(pids, (std::set<std::uint32_t>{static_cast<std::uint32_t>(holder->pid()),
                                           static_cast<std::uint32_t>(child)}));
  EXPECT_LT(holders[0].pid, holders[1].pid);  // sorted by pid
  for (const Holder& h : holders) {
    EXPECT_EQ(h.inode, entries[0].inode);
    EXPECT_EQ(h.comm, "bt_sock");
  }
}

TEST_F(OwnerIteratorsTest, ListenersInAnotherNamespaceAreInvisible) {
  const std::string name = "bt-it-" + std::to_string(::getpid());
  ASSERT_EQ(std::system(("ip netns add " + name).c_str()), 0);
  netns_ = name;
  auto holder = hold({"-P", port_arg()}, "listen", {"ip", "netns", "exec", name});
  ASSERT_TRUE(ready_);
  ASSERT_EQ(pid_of(*ready_), holder->pid());  // ip execs bt_sock in place
  ASSERT_EQ(proc_sockets(holder->pid()).size(), 1u);

  EXPECT_TRUE(list(port_).empty());
  for (const SocketEntry& e : list(0)) EXPECT_NE(e.local_port, port_);
}

TEST_F(OwnerIteratorsTest, NoMatchGivesEmptyResults) {
  EXPECT_TRUE(list(port_).empty());
  EXPECT_TRUE(list(port_, Proto::udp).empty());
  EXPECT_TRUE(iterators_->holders({}).empty());
  EXPECT_TRUE(iterators_->holders({0xffffffff0000ULL}).empty());
}

}  // namespace
}  // namespace bindtrace
