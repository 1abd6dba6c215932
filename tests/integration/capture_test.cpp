// Real conflicts made by real programs (tests/testprogs/bt_sock), traced by
// every syscall tier this kernel attaches: the event names the endpoint the
// caller asked for, the caller, and the error.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::options_for;
using testing::testprog;
using testing::TraceHarness;

class CaptureTest : public ::testing::TestWithParam<Tier> {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  // Holds addr:port (listening, or bound for UDP/unix) until the test ends.
  std::unique_ptr<Child> hold(std::vector<std::string> args) {
    args.insert(args.begin(), testprog("bt_sock"));
    args.push_back("--stdin-hold");
    args.push_back(args_action_);
    auto child = std::make_unique<Child>(args, Child::Options{.pipe_stdin = true});
    auto ready = child->expect_line("ready");
    EXPECT_TRUE(ready) << "holder did not start: " << child->drain_stderr();
    return child;
  }

  // Runs bt_sock to completion; returns (exit status, pid).
  std::pair<int, pid_t> run(std::vector<std::string> args) {
    args.insert(args.begin(), testprog("bt_sock"));
    Child child(args);
    return {child.wait(), child.pid()};
  }

  std::string args_action_ = "listen";
};

bool is(const Event& e, pid_t pid, Op op, int err) {
  return e.process.pid == static_cast<std::uint32_t>(pid) && e.op == op && e.err == err;
}

TEST_P(CaptureTest, Ipv4AddressInUseReportsTheRequestedEndpoint) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  ASSERT_EQ(trace.tier(), GetParam());
  auto holder = hold({"-f", "4", "-a", "127.0.0.1", "-P", std::to_string(port)});
  auto [status, pid] = run({"-f", "4", "-a", "0.0.0.0", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);

  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ASSERT_TRUE(e) << "no bind_failed event for pid " << pid;
  EXPECT_EQ(e->endpoint.family, Family::ipv4);
  EXPECT_EQ(e->endpoint.address, "0.0.0.0");  // not the zeroed socket address
  EXPECT_EQ(e->endpoint.port, port);
  EXPECT_EQ(e->proto, Proto::tcp);
  EXPECT_EQ(e->tier, GetParam());
  EXPECT_EQ(e->process.comm, "bt_sock");
  EXPECT_EQ(e->process.tid, e->process.pid);
  EXPECT_EQ(e->process.ppid, static_cast<std::uint32_t>(::getpid()));
  EXPECT_EQ(e->process.uid, ::getuid());
  EXPECT_NE(e->netns, 0u);
  EXPECT_NE(e->process.cgroup_id, 0u);
  EXPECT_TRUE(e->socket.known);
  EXPECT_FALSE(e->socket.reuseaddr);
}

TEST_P(CaptureTest, Ipv6AddressInUse) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  auto holder = hold({"-f", "6", "-a", "::1", "-P", std::to_string(port)});
  auto [status, pid] = run({"-f", "6", "-a", "::1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.family, Family::ipv6);
  EXPECT_EQ(e->endpoint.address, "::1");
  EXPECT_EQ(e->endpoint.port, port);
  EXPECT_EQ(e->proto, Proto::tcp);
}

TEST_P(CaptureTest, V4MappedIpv6IsShownAsIpv4) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  auto holder = hold({"-f", "4", "-a", "127.0.0.1", "-P", std::to_string(port)});
  auto [status, pid] =
      run({"-f", "6", "--no-v6only", "-a", "::ffff:127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.family, Family::ipv6);
  EXPECT_TRUE(e->endpoint.v4_mapped);
  EXPECT_EQ(e->endpoint.address, "127.0.0.1");
}

TEST_P(CaptureTest, UdpAddressInUse) {
  const auto port = free_port(SOCK_DGRAM);
  TraceHarness trace(options_for(GetParam(), {port}));
  args_action_ = "bind";
  auto holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port)});
  auto [status, pid] = run({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->proto, Proto::udp);
  EXPECT_EQ(e->endpoint.port, port);
}

TEST_P(CaptureTest, UnixPathInUse) {
  TraceHarness trace(options_for(GetParam()));
  const std::string path = "/tmp/bindtrace-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  args_action_ = "bind";
  auto holder = hold({"-f", "unix", "-a", path});
  auto [status, pid] = run({"-f", "unix", "-a", path, "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ::unlink(path.c_str());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.family, Family::unix_);
  EXPECT_EQ(e->endpoint.address, path);
}

TEST_P(CaptureTest, UnixAbstractNameIsShownWithAt) {
  TraceHarness trace(options_for(GetParam()));
  const std::string name = "bindtrace-test-" + std::to_string(::getpid());
  args_action_ = "bind";
  auto holder = hold({"-f", "abstract", "-a", name});
  auto [status, pid] = run({"-f", "abstract", "-a", name, "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRINUSE); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.address, "@" + name);
}

TEST_P(CaptureTest, SecondListenOnASharedAddressFails) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  auto [status, pid] = run({"-a", "127.0.0.1", "-P", std::to_string(port), "double-listen"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::listen, EADDRINUSE); });
  ASSERT_TRUE(e) << "no listen_failed event";
  EXPECT_EQ(e->endpoint.address, "127.0.0.1");
  EXPECT_EQ(e->endpoint.port, port);
  EXPECT_TRUE(e->socket.reuseaddr);
}

TEST_P(CaptureTest, NonLocalAddressIsNotAvailable) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  auto [status, pid] = run({"-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRNOTAVAIL); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.address, "10.255.255.1");
  EXPECT_EQ(e->endpoint.port, port);
}

// Two SO_REUSEADDR sockets on one local address connecting to the same peer:
// the second 4-tuple is taken (__inet_hash_connect -> EADDRNOTAVAIL).
TEST_P(CaptureTest, ConnectWithATakenFourTupleIsReported) {
  const auto server_port = free_port();
  const auto local_port = free_port();
  TraceOptions options = options_for(GetParam(), {server_port});
  options.capture.self_tgid = 1;  // this test process makes the failure itself
  TraceHarness trace(options);

  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in srv{};
  srv.sin_family = AF_INET;
  srv.sin_port = htons(server_port);
  srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&srv), sizeof(srv)), 0);
  ASSERT_EQ(::listen(server, 4), 0);

  int clients[2];
  int results[2];
  for (int i = 0; i < 2; ++i) {
    clients[i] = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(clients[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(local_port);
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(clients[i], reinterpret_cast<sockaddr*>(&local), sizeof(local)), 0);
    results[i] = ::connect(clients[i], reinterpret_cast<sockaddr*>(&srv), sizeof(srv)) == 0 ? 0 : errno;
  }
  for (int fd : {clients[0], clients[1], server}) ::close(fd);
  ASSERT_EQ(results[0], 0);
  ASSERT_EQ(results[1], EADDRNOTAVAIL);

  auto e = trace.wait_for([&](const Event& e) { return is(e, ::getpid(), Op::connect, EADDRNOTAVAIL); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.address, "127.0.0.1");
  EXPECT_EQ(e->endpoint.port, server_port);  // the peer the caller asked for
}

TEST_P(CaptureTest, SuccessfulBindsOnlyWithAll) {
  const auto port = free_port();
  TraceOptions options = options_for(GetParam(), {port});
  options.capture.filter.all_binds = true;
  TraceHarness trace(options);
  auto [status, pid] = run({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 0);
  auto e = trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, 0); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.port, port);
}

TEST_P(CaptureTest, SuccessfulBindsAreNotReportedByDefault) {
  const auto port = free_port();
  TraceHarness trace(options_for(GetParam(), {port}));
  auto [ok_status, ok_pid] = run({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(ok_status, 0);
  // A failure afterwards marks the point by which the success would have shown.
  auto [status, pid] = run({"-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(status, 1);
  ASSERT_TRUE(trace.wait_for([&](const Event& e) { return is(e, pid, Op::bind, EADDRNOTAVAIL); }));
  for (const Event& e : trace.events()) EXPECT_NE(e.process.pid, static_cast<std::uint32_t>(ok_pid));
}

std::string tier_param_name(const ::testing::TestParamInfo<Tier>& info) {
  return std::string(tier_name(info.param));
}

// The syscall tiers must both work on this kernel; the
// kernel-function tiers are covered by tiers_test.cpp where they attach.
INSTANTIATE_TEST_SUITE_P(SyscallTiers, CaptureTest, ::testing::Values(Tier::tracepoint, Tier::raw),
                         tier_param_name);

}  // namespace
}  // namespace bindtrace
