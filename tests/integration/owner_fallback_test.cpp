// The owner lookup without BPF: real sockets made by bt_sock, listed through
// NETLINK_SOCK_DIAG, and their holders found by scanning /proc/*/fd. Needs no
// BPF, but reading other processes' fd tables needs root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "bindtrace/errors.hpp"
#include "bindtrace/owner/proc_fd_scan.hpp"
#include "bindtrace/owner/sock_diag.hpp"
#include "bindtrace/unique_fd.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::socket_inode;
using testing::testprog;

std::uint32_t netns_inode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

std::vector<SocketEntry> list(Proto proto, std::uint16_t port) {
  SocketQuery query;
  query.proto = proto;
  query.port = port;
  return sock_diag_list(query);
}

// The pid in a line "KEY pid=N ...", or -1.
pid_t pid_in(const std::optional<std::string>& line) {
  if (!line) return -1;
  const auto at = line->find("pid=");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::atoi(line->c_str() + at + 4));
}

class OwnerFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() == 0) return;
    const char* why = "reading other processes' /proc/PID/fd needs root";
    if (testing::under_ci()) FAIL() << "CI is set, but " << why;
    GTEST_SKIP() << why;
  }

  // bt_sock ARGS --stdin-hold ACTION, held until the test ends; its first
  // socket is fd 3 (the test's pipes are close-on-exec).
  std::unique_ptr<Child> hold(std::vector<std::string> args, const std::string& action,
                              std::vector<std::string> prefix = {}) {
    args.insert(args.begin(), testprog("bt_sock"));
    args.insert(args.begin(), prefix.begin(), prefix.end());
    args.push_back("--stdin-hold");
    args.push_back(action);
    auto child = std::make_unique<Child>(args, Child::Options{.pipe_stdin = true});
    ready_pid_ = pid_in(child->expect_line("ready"));
    EXPECT_GT(ready_pid_, 0) << "bt_sock did not start: " << child->drain_stderr();
    return child;
  }

  pid_t ready_pid_ = -1;
};

TEST_F(OwnerFallbackTest, ListsAListenerWithItsInode) {
  const auto port = free_port();
  auto holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)}, "listen");

  const auto entries = list(Proto::tcp, port);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.proto, Proto::tcp);
  EXPECT_EQ(e.family, Family::ipv4);
  EXPECT_EQ(e.state, TcpState::listen);
  EXPECT_EQ(e.local_addr, "127.0.0.1");
  EXPECT_EQ(e.local_port, port);
  EXPECT_EQ(e.remote_addr, "0.0.0.0");
  EXPECT_EQ(e.remote_port, 0);
  EXPECT_EQ(e.inode, socket_inode(holder->pid(), 3));
  EXPECT_NE(e.inode, 0u);
  EXPECT_NE(e.cookie, 0u);
  EXPECT_EQ(e.uid, 0u);
  EXPECT_EQ(e.netns, netns_inode("/proc/self/ns/net"));
  EXPECT_FALSE(e.options_known);
  EXPECT_EQ(e.expires_ms, -1);
}

TEST_F(OwnerFallbackTest, HoldersOfAListenerAreFound) {
  const auto port = free_port();
  auto holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)}, "listen");
  const std::uint64_t inode = socket_inode(holder->pid(), 3);
  ASSERT_NE(inode, 0u);

  FdScanStats stats;
  const auto holders = scan_socket_holders({inode}, "/proc", &stats);
  ASSERT_EQ(holders.size(), 1u);
  const Holder& h = holders[0];
  EXPECT_EQ(h.pid, static_cast<std::uint32_t>(holder->pid()));
  EXPECT_EQ(h.fd, 3);
  EXPECT_EQ(h.inode, inode);
  EXPECT_EQ(h.comm, "bt_sock");
  EXPECT_NE(h.cmdline.find("bt_sock"), std::string::npos) << h.cmdline;
  EXPECT_NE(h.cmdline.find("-P " + std::to_string(port)), std::string::npos) << h.cmdline;
  EXPECT_EQ(h.uid, 0u);
  EXPECT_GT(h.start_time, 0u);
  EXPECT_EQ(h.cgroup.rfind('/', 0), 0u) << h.cgroup;
  EXPECT_GT(stats.processes, 1u);
  EXPECT_EQ(stats.denied, 0u);
}

TEST_F(OwnerFallbackTest, ForkedProcessesSharingOneSocketAreAllHolders) {
  const auto port = free_port();
  auto holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port), "--fork"}, "listen");
  const pid_t child = pid_in(holder->expect_line("child pid="));
  ASSERT_GT(child, 0);
  const std::uint64_t inode = socket_inode(holder->pid(), 3);
  ASSERT_NE(inode, 0u);

  const auto holders = scan_socket_holders({inode});
  ASSERT_EQ(holders.size(), 2u);
  EXPECT_EQ(holders[0].pid, static_cast<std::uint32_t>(std::min(holder->pid(), child)));
  EXPECT_EQ(holders[1].pid, static_cast<std::uint32_t>(std::max(holder->pid(), child)));
  for (const Holder& h : holders) {
    EXPECT_EQ(h.inode, inode);
    EXPECT_EQ(h.fd, 3);
    EXPECT_EQ(h.comm, "bt_sock");
  }
}

TEST_F(OwnerFallbackTest, TimeWaitSocketHasNoInodeAndAnExpiry) {
  const auto port = free_port();
  Child maker({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "time-wait"});
  ASSERT_TRUE(maker.expect_line("timewait")) << maker.drain_stderr();
  ASSERT_EQ(maker.wait(), 0);

  const auto entries = list(Proto::tcp, port);
  ASSERT_EQ(entries.size(), 1u);
  const SocketEntry& e = entries[0];
  EXPECT_EQ(e.state, TcpState::time_wait);
  EXPECT_EQ(e.local_port, port);
  EXPECT_EQ(e.local_addr, "127.0.0.1");
  EXPECT_EQ(e.remote_addr, "127.0.0.1");
  EXPECT_NE(e.remote_port, 0);
  EXPECT_EQ(e.inode, 0u);
  EXPECT_GT(e.expires_ms, 0);
  EXPECT_LE(e.expires_ms, 60000);
}

TEST_F(OwnerFallbackTest, Ipv6WildcardIsListedAsIpv6) {
  const auto port = free_port();
  auto holder = hold({"-f", "6", "--no-v6only", "-a", "::", "-P", std::to_string(port)}, "listen");

  const auto entries = list(Proto::tcp, port);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].family, Family::ipv6);
  EXPECT_EQ(entries[0].local_addr, "::");
  EXPECT_FALSE(entries[0].v4_mapped);
  EXPECT_FALSE(entries[0].v6only);
  EXPECT_EQ(entries[0].inode, socket_inode(holder->pid(), 3));
}

TEST_F(OwnerFallbackTest, V6OnlyListenerReportsV6Only) {
  const auto port = free_port();
  auto holder = hold({"-f", "6", "--v6only", "-a", "::", "-P", std::to_string(port)}, "listen");

  const auto entries = list(Proto::tcp, port);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].v6only);
}

TEST_F(OwnerFallbackTest, V4MappedListenerIsShownAsIpv4) {
  const auto port = free_port();
  auto holder =
      hold({"-f", "6", "--no-v6only", "-a", "::ffff:127.0.0.1", "-P", std::to_string(port)}, "listen");

  const auto entries = list(Proto::tcp, port);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].family, Family::ipv6);
  EXPECT_TRUE(entries[0].v4_mapped);
  EXPECT_EQ(entries[0].local_addr, "127.0.0.1");
}

TEST_F(OwnerFallbackTest, UdpBoundSocketIsListed) {
  const auto port = free_port(SOCK_DGRAM);
  auto holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port)}, "bind");

  const auto entries = list(Proto::udp, port);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].proto, Proto::udp);
  EXPECT_EQ(entries[0].state, TcpState::close);  // an unconnected UDP socket
  EXPECT_EQ(entries[0].local_addr, "127.0.0.1");
  EXPECT_EQ(entries[0].inode, socket_inode(holder->pid(), 3));
  EXPECT_TRUE(list(Proto::tcp, port).empty());
}

TEST_F(OwnerFallbackTest, PortFilterExcludesOtherPorts) {
  const auto port_a = free_port();
  auto holder_a = hold({"-a", "127.0.0.1", "-P", std::to_string(port_a)}, "listen");
  const auto port_b = free_port();
  auto holder_b = hold({"-a", "127.0.0.1", "-P", std::to_string(port_b)}, "listen");

  const auto only_a = list(Proto::tcp, port_a);
  ASSERT_EQ(only_a.size(), 1u);
  EXPECT_EQ(only_a[0].local_port, port_a);

  // Without a port both are there, so the filter is what left B out.
  int seen = 0;
  for (const SocketEntry& e : list(Proto::tcp, 0)) seen += e.local_port == port_a || e.local_port == port_b;
  EXPECT_EQ(seen, 2);
}

TEST_F(OwnerFallbackTest, ListeningOnlyLeavesOutTimeWait) {
  const auto port = free_port();
  Child maker({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "time-wait"});
  ASSERT_TRUE(maker.expect_line("timewait")) << maker.drain_stderr();
  ASSERT_EQ(maker.wait(), 0);

  SocketQuery query;
  query.port = port;
  query.listening_only = true;
  EXPECT_TRUE(sock_diag_list(query).empty());
  ASSERT_EQ(list(Proto::tcp, port).size(), 1u);
}

class OtherNetnsTest : public OwnerFallbackTest {
 protected:
  void SetUp() override {
    OwnerFallbackTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    name_ = "bt-fb-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("ip netns add " + name_ + " && ip -n " + name_ + " link set lo up").c_str()), 0);
  }
  void TearDown() override {
    if (!name_.empty()) (void)std::system(("ip netns delete " + name_ + " 2>/dev/null").c_str());
  }
  std::string path() const { return "/run/netns/" + name_; }

  std::string name_;
};

TEST_F(OtherNetnsTest, ListenersInAnotherNetworkNamespaceAreNotListed) {
  const auto port = free_port();
  auto holder =
      hold({"-a", "127.0.0.1", "-P", std::to_string(port)}, "listen", {"ip", "netns", "exec", name_});

  EXPECT_TRUE(list(Proto::tcp, port).empty());

  // From a thread inside that namespace the same query finds it, so the
  // empty answer above is the namespace boundary and not a missing listener.
  std::vector<SocketEntry> inside;
  std::string error;
  std::thread([&] {
    const UniqueFd ns(::open(path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns || ::setns(ns.get(), CLONE_NEWNET) != 0) {
      error = "setns failed";
      return;
    }
    inside = list(Proto::tcp, port);
  }).join();
  ASSERT_EQ(error, "");
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].netns, netns_inode(path()));
  EXPECT_EQ(inside[0].inode, socket_inode(holder->pid(), 3));
}

TEST_F(OtherNetnsTest, AskingForAnotherNamespaceThanTheThreadsIsAnError) {
  SocketQuery query;
  query.netns = netns_inode(path());
  ASSERT_NE(query.netns, 0u);
  EXPECT_THROW((void)sock_diag_list(query), RuntimeError);
}

// tests/fixtures/proc_fd: 100 holds socket 5001 on fds 3 and 7 (and 9999 on
// fd 4), 102 holds 5001 on fd 5, 101 has no fd/ (exited), 103 holds 5002 but
// has no stat (exited after its fds were read).
const std::string kFixtureProc = BINDTRACE_FIXTURES_DIR "/proc_fd";

TEST(ProcFdScanFixture, VanishedProcessesAreCountedNotFatal) {
  FdScanStats stats;
  const auto holders = scan_socket_holders({5001, 5002}, kFixtureProc, &stats);
  EXPECT_EQ(stats.processes, 4u);
  EXPECT_EQ(stats.vanished, 2u);
  EXPECT_EQ(stats.denied, 0u);
  ASSERT_EQ(holders.size(), 3u);
  EXPECT_EQ(holders[0].pid, 100u);
  EXPECT_EQ(holders[0].fd, 3);
  EXPECT_EQ(holders[1].pid, 100u);
  EXPECT_EQ(holders[1].fd, 7);
  EXPECT_EQ(holders[2].pid, 102u);
  EXPECT_EQ(holders[2].fd, 5);
  for (const Holder& h : holders) EXPECT_EQ(h.inode, 5001u);
}

TEST(ProcFdScanFixture, HoldersCarryTheirProcessFacts) {
  const auto holders = scan_socket_holders({9999}, kFixtureProc);
  ASSERT_EQ(holders.size(), 1u);
  const Holder& h = holders[0];
  EXPECT_EQ(h.pid, 100u);
  EXPECT_EQ(h.fd, 4);
  EXPECT_EQ(h.inode, 9999u);
  EXPECT_EQ(h.comm, "nginx");
  EXPECT_EQ(h.cmdline, "nginx -g daemon off;");
  EXPECT_EQ(h.uid, 33u);
  EXPECT_EQ(h.cgroup, "/system.slice/nginx.service");
  EXPECT_EQ(h.start_time, 5550u);
}

TEST(ProcFdScanFixture, MissingProcRootGivesNothing) {
  FdScanStats stats;
  EXPECT_TRUE(scan_socket_holders({5001}, kFixtureProc + "/no-such-dir", &stats).empty());
  EXPECT_EQ(stats.processes, 0u);
}

}  // namespace
}  // namespace bindtrace
