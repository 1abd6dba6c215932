// Who blocks the port, end to end: real conflicts made by real processes
// (tests/testprogs/bt_sock), the failure captured by a running Tracer, and the
// captured Event handed to OwnerResolver on each of its paths (the listener
// index, BPF iterators, sock_diag + /proc, and the automatic choice). Then
// the `who`-style queries (resolve_port, list_listeners) and the Pipeline
// that resolves off the capture path.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bindtrace/owner/resolver.hpp"
#include "bindtrace/pipeline.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::socket_inode;
using testing::options_for;
using testing::testprog;
using testing::TraceHarness;

// The pid in "ready pid=P port=N" or "child pid=P"; -1 when absent.
pid_t pid_in(const std::optional<std::string>& line) {
  if (!line) return -1;
  const auto at = line->find("pid=");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::atoi(line->c_str() + at + 4));
}

std::uint32_t netns_inode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

std::uint32_t u32(pid_t pid) {
  return static_cast<std::uint32_t>(pid);
}

std::set<std::uint32_t> pids_of(const Owner& owner) {
  std::set<std::uint32_t> pids;
  for (const Holder& h : owner.holders) pids.insert(h.pid);
  return pids;
}

// One owner path: forced, or automatic (nullopt) with the capture's index.
struct OwnerPath {
  const char* name;
  std::optional<OwnerSource> force;
};

const OwnerPath kIndex{"index", OwnerSource::index};
const OwnerPath kIterators{"iterators", OwnerSource::iterators};
const OwnerPath kSockDiag{"sock_diag", OwnerSource::sock_diag};
const OwnerPath kAuto{"auto", std::nullopt};

std::string path_name(const ::testing::TestParamInfo<OwnerPath>& info) {
  return info.param.name;
}

class OwnerResolverTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  void TearDown() override {
    holders_.clear();  // every holder is gone before its namespace is
    if (!netns_.empty()) (void)std::system(("ip netns del " + netns_ + " 2>/dev/null").c_str());
  }

  // bt_sock ARGS --stdin-hold ACTION, held until the test ends; `prefix` runs
  // it through another command (ip netns exec, which execs bt_sock in place).
  Child& hold(std::vector<std::string> args, const std::string& action = "listen",
              const std::vector<std::string>& prefix = {}) {
    args.insert(args.begin(), testprog("bt_sock"));
    args.insert(args.begin(), prefix.begin(), prefix.end());
    args.push_back("--stdin-hold");
    args.push_back(action);
    holders_.push_back(std::make_unique<Child>(args, Child::Options{.pipe_stdin = true}));
    Child& child = *holders_.back();
    const auto ready = child.expect_line("ready");
    EXPECT_EQ(pid_in(ready), child.pid()) << "holder did not start: " << child.drain_stderr();
    return child;
  }

  // Runs bt_sock ARGS to completion; returns its pid after checking it failed.
  pid_t fail(std::vector<std::string> args, const std::vector<std::string>& prefix = {}) {
    args.insert(args.begin(), testprog("bt_sock"));
    args.insert(args.begin(), prefix.begin(), prefix.end());
    Child child(args);
    const auto error = child.expect_line("error");
    EXPECT_TRUE(error) << "bt_sock did not fail: " << child.drain_stderr();
    EXPECT_EQ(child.wait(), 1);
    return child.pid();
  }

  // The failure of `pid` with `err`, as the tracer captured it.
  static Event captured(TraceHarness& trace, pid_t pid, int err = EADDRINUSE) {
    auto e = trace.wait_for([&](const Event& e) { return e.process.pid == u32(pid) && e.err == err; });
    if (!e) ADD_FAILURE() << "no failure with errno " << err << " captured for pid " << pid;
    return e.value_or(Event{});
  }

  std::string make_netns() {
    netns_ = "bt-or-" + std::to_string(::getpid());
    (void)std::system(("ip netns del " + netns_ + " 2>/dev/null").c_str());
    EXPECT_EQ(std::system(("ip netns add " + netns_).c_str()), 0);
    return netns_;
  }

  std::vector<std::unique_ptr<Child>> holders_;
  std::string netns_;
};

// The tests below run once per owner path.
class OwnerResolverPathTest : public OwnerResolverTest, public ::testing::WithParamInterface<OwnerPath> {
 protected:
  OwnerResolver resolver(TraceHarness& trace) {
    return OwnerResolver(ResolverOptions{.force = GetParam().force}, trace.tracer().session());
  }
  // Where the answer comes from when the index knows the listener.
  OwnerSource source_with_index() const { return GetParam().force.value_or(OwnerSource::index); }
  bool scans() const { return GetParam().force && *GetParam().force != OwnerSource::index; }
};

TEST_P(OwnerResolverPathTest, ASingleHolderIsNamedWithItsListeningSocket) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Child& holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
  const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_EQ(owner->source, source_with_index());
  EXPECT_EQ(owner->state, "LISTEN");
  ASSERT_EQ(owner->holders.size(), 1u);
  const Holder& h = owner->holders[0];
  EXPECT_EQ(h.pid, u32(holder.pid()));
  EXPECT_EQ(h.comm, "bt_sock");
  EXPECT_NE(h.cmdline.find("bt_sock"), std::string::npos) << h.cmdline;
  EXPECT_NE(h.cmdline.find(std::to_string(port)), std::string::npos) << h.cmdline;
  EXPECT_EQ(h.uid, 0u);
  EXPECT_FALSE(h.cgroup.empty());
  EXPECT_NE(h.start_time, 0u);
  ASSERT_EQ(owner->sockets.size(), 1u);
  const SocketEntry& s = owner->sockets[0];
  EXPECT_EQ(s.proto, Proto::tcp);
  EXPECT_EQ(s.family, Family::ipv4);
  EXPECT_EQ(s.local_addr, "127.0.0.1");
  EXPECT_EQ(s.local_port, port);
  EXPECT_EQ(s.state, TcpState::listen);
  EXPECT_EQ(s.netns, event.netns);
  if (scans()) {  // the scans know the socket itself; the index only its address
    EXPECT_EQ(s.inode, socket_inode(holder.pid(), 3));
    EXPECT_EQ(h.inode, s.inode);
    EXPECT_EQ(h.fd, 3);
  }
}

TEST_P(OwnerResolverPathTest, DualStackIpv6WildcardHolderBlocksAnIpv4Bind) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Child& holder = hold({"-f", "6", "--no-v6only", "-a", "::", "-P", std::to_string(port)});
  const Event event = captured(trace, fail({"-f", "4", "-a", "0.0.0.0", "-P", std::to_string(port), "bind"}));
  ASSERT_EQ(event.endpoint.family, Family::ipv4);

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_EQ(owner->source, source_with_index());
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(holder.pid())});
  ASSERT_EQ(owner->sockets.size(), 1u);
  EXPECT_EQ(owner->sockets[0].family, Family::ipv6);
  EXPECT_EQ(owner->sockets[0].local_addr, "::");
  EXPECT_EQ(owner->sockets[0].local_port, port);
  EXPECT_FALSE(owner->sockets[0].v6only);
}

TEST_P(OwnerResolverPathTest, UdpHolderIsNamed) {
  const auto port = free_port(SOCK_DGRAM);
  // Started before the capture: the index learns bound UDP sockets from its
  // start-up walk, which runs after `attached`.
  const Child& holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port)}, "bind");
  TraceHarness trace(options_for(std::nullopt, {port}));
  ASSERT_TRUE(trace.tracer().session()->wait_until_ready(std::chrono::seconds(10)));
  const Event event =
      captured(trace, fail({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
  ASSERT_EQ(event.proto, Proto::udp);

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_EQ(owner->source, source_with_index());
  EXPECT_EQ(owner->state, "BOUND");
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(holder.pid())});
  ASSERT_EQ(owner->sockets.size(), 1u);
  EXPECT_EQ(owner->sockets[0].proto, Proto::udp);
  EXPECT_EQ(owner->sockets[0].local_addr, "127.0.0.1");
  EXPECT_EQ(owner->sockets[0].local_port, port);
}

TEST_P(OwnerResolverPathTest, AnAddressThatIsNotLocalHasNoOwner) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Event event =
      captured(trace, fail({"-a", "10.255.255.1", "-P", std::to_string(port), "bind"}), EADDRNOTAVAIL);
  ASSERT_EQ(event.err, EADDRNOTAVAIL);

  OwnerResolver r = resolver(trace);
  EXPECT_FALSE(r.resolve(event).has_value());
  EXPECT_EQ(r.stats().lookups, 0u);
}

INSTANTIATE_TEST_SUITE_P(OwnerPaths, OwnerResolverPathTest,
                         ::testing::Values(kIndex, kIterators, kSockDiag, kAuto), path_name);

// The paths that list sockets and walk their holders (no index).
class OwnerResolverScanTest : public OwnerResolverPathTest {};

TEST_P(OwnerResolverScanTest, TheHolderIsLookedUpInTheFailingProcesssNamespace) {
  const auto port = free_port();
  const std::string ns = make_netns();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Child& host = hold({"-P", std::to_string(port)});
  const Child& inside = hold({"-P", std::to_string(port)}, "listen", {"ip", "netns", "exec", ns});
  const Event event =
      captured(trace, fail({"-P", std::to_string(port), "bind"}, {"ip", "netns", "exec", ns}));
  ASSERT_EQ(event.netns, netns_inode("/run/netns/" + ns));
  ASSERT_NE(event.netns, netns_inode("/proc/self/ns/net"));

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_EQ(owner->source, *GetParam().force);
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(inside.pid())});
  EXPECT_EQ(pids_of(*owner).count(u32(host.pid())), 0u);
  ASSERT_EQ(owner->sockets.size(), 1u);
  EXPECT_EQ(owner->sockets[0].netns, event.netns);
  EXPECT_EQ(owner->sockets[0].inode, socket_inode(inside.pid(), 3));
  // The resolver came back to our namespace.
  EXPECT_EQ(netns_inode("/proc/thread-self/ns/net"), netns_inode("/proc/self/ns/net"));
}

TEST_P(OwnerResolverScanTest, BothProcessesSharingASocketAfterForkAreHolders) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  Child& parent = hold({"-a", "127.0.0.1", "-P", std::to_string(port), "--fork"});
  const pid_t child = pid_in(parent.expect_line("child"));
  ASSERT_GT(child, 0);
  const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_EQ(owner->source, *GetParam().force);
  EXPECT_EQ(pids_of(*owner), (std::set<std::uint32_t>{u32(parent.pid()), u32(child)}));
  ASSERT_EQ(owner->sockets.size(), 1u);  // one socket, two holders
  for (const Holder& h : owner->holders) {
    EXPECT_EQ(h.inode, owner->sockets[0].inode);
    EXPECT_EQ(h.comm, "bt_sock");
  }
}

TEST_P(OwnerResolverScanTest, OnlyTimeWaitBlocksABindWithoutReuseAddr) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  Child tw({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "time-wait"});
  ASSERT_TRUE(tw.expect_line("timewait")) << tw.drain_stderr();
  ASSERT_EQ(tw.wait(), 0);
  const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
  ASSERT_FALSE(event.socket.reuseaddr);

  const auto owner = resolver(trace).resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::time_wait) << owner->reason;
  EXPECT_EQ(owner->source, *GetParam().force);
  EXPECT_EQ(owner->state, "TIME_WAIT");
  EXPECT_GE(owner->time_wait_count, 1u);
  EXPECT_GT(owner->expires_ms, 0);
  EXPECT_LE(owner->expires_ms, 60000);
  EXPECT_TRUE(owner->holders.empty());
  ASSERT_FALSE(owner->sockets.empty());
  for (const SocketEntry& s : owner->sockets) {
    EXPECT_EQ(s.state, TcpState::time_wait);
    EXPECT_EQ(s.local_port, port);
  }
}

TEST_P(OwnerResolverScanTest, ResolvePortOfAFreePortIsUnknownBecauseFree) {
  const auto port = free_port();
  OwnerResolver r(ResolverOptions{.force = GetParam().force});
  const Owner owner = r.resolve_port(Proto::tcp, port);
  EXPECT_EQ(owner.kind, OwnerKind::unknown);
  EXPECT_EQ(owner.reason, "free");
  EXPECT_EQ(owner.source, *GetParam().force);
  EXPECT_TRUE(owner.sockets.empty());
  EXPECT_TRUE(owner.holders.empty());
}

TEST_P(OwnerResolverScanTest, ResolvePortOfAHeldPortListsItsHolder) {
  const auto port = free_port();
  const Child& holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
  OwnerResolver r(ResolverOptions{.force = GetParam().force});
  const Owner owner = r.resolve_port(Proto::tcp, port);
  EXPECT_EQ(owner.kind, OwnerKind::process) << owner.reason;
  EXPECT_EQ(owner.source, *GetParam().force);
  EXPECT_EQ(owner.state, "LISTEN");
  ASSERT_EQ(owner.holders.size(), 1u);
  EXPECT_EQ(owner.holders[0].pid, u32(holder.pid()));
  EXPECT_EQ(owner.holders[0].comm, "bt_sock");
  ASSERT_EQ(owner.sockets.size(), 1u);
  EXPECT_EQ(owner.sockets[0].local_addr, "127.0.0.1");
  EXPECT_EQ(owner.sockets[0].local_port, port);
  EXPECT_EQ(owner.sockets[0].inode, socket_inode(holder.pid(), 3));
}

TEST_P(OwnerResolverScanTest, ResolvePortOfAUdpPortListsItsHolder) {
  const auto port = free_port(SOCK_DGRAM);
  const Child& holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port)}, "bind");
  OwnerResolver r(ResolverOptions{.force = GetParam().force});
  EXPECT_EQ(r.resolve_port(Proto::tcp, port).reason, "free");  // another protocol
  const Owner owner = r.resolve_port(Proto::udp, port);
  EXPECT_EQ(owner.kind, OwnerKind::process) << owner.reason;
  EXPECT_EQ(owner.state, "BOUND");
  EXPECT_EQ(pids_of(owner), std::set<std::uint32_t>{u32(holder.pid())});
}

TEST_P(OwnerResolverScanTest, ListListenersIncludesOurListener) {
  const auto port = free_port();
  const Child& holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
  OwnerResolver r(ResolverOptions{.force = GetParam().force});
  const std::vector<Owner> owners = r.list_listeners();

  int found = 0;
  for (const Owner& o : owners) {
    ASSERT_EQ(o.sockets.size(), 1u);
    if (o.sockets[0].local_port != port || o.sockets[0].proto != Proto::tcp) continue;
    ++found;
    EXPECT_EQ(o.kind, OwnerKind::process) << o.reason;
    EXPECT_EQ(o.source, *GetParam().force);
    EXPECT_EQ(o.state, "LISTEN");
    EXPECT_EQ(o.sockets[0].local_addr, "127.0.0.1");
    EXPECT_EQ(pids_of(o), std::set<std::uint32_t>{u32(holder.pid())});
  }
  EXPECT_EQ(found, 1);
}

INSTANTIATE_TEST_SUITE_P(OwnerPaths, OwnerResolverScanTest, ::testing::Values(kIterators, kSockDiag),
                         path_name);

TEST_F(OwnerResolverTest, TimeWaitFoundAutomaticallyWhenTheIndexHasNoListener) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  Child tw({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "time-wait"});
  ASSERT_TRUE(tw.expect_line("timewait")) << tw.drain_stderr();
  ASSERT_EQ(tw.wait(), 0);
  const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));

  OwnerResolver r(ResolverOptions{}, trace.tracer().session());
  const auto owner = r.resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::time_wait) << owner->reason;
  EXPECT_EQ(owner->source, OwnerSource::iterators);
  EXPECT_GE(owner->time_wait_count, 1u);
  EXPECT_GT(owner->expires_ms, 0);
  EXPECT_LE(owner->expires_ms, 60000);
}

class OwnerResolverGoneTest : public OwnerResolverTest {
 protected:
  // A listener, a failure against it, then the listener killed and reaped
  // before anything is resolved. Returns the failure; `owner_pid_` is the dead pid.
  Event failure_after_the_owner_exited(TraceHarness& trace, std::uint16_t port) {
    Child& listener = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
    owner_pid_ = listener.pid();
    const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
    listener.signal(SIGKILL);
    EXPECT_EQ(listener.wait(), 128 + SIGKILL);
    EXPECT_NE(::kill(owner_pid_, 0), 0);  // really gone
    return event;
  }
  pid_t owner_pid_ = -1;
};

// The index keeps a listener that closed (with when it closed), so the
// forced index path names the process that held the port as `gone`.
// An index still walking the listeners that were there before it: it knows none.
class SeedingIndex final : public ListenerIndex {
 public:
  bool has_listener_index() const noexcept override { return true; }
  std::optional<bt_listener> lookup_listener(const bt_listener_key&) const override { return std::nullopt; }
  bool wait_until_ready(std::chrono::milliseconds) const override { return false; }
};

TEST_F(OwnerResolverTest, BeforeTheIndexIsSeededAMissFallsBackAndSaysSo) {
  const auto port = free_port();
  const Child& holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Event event = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
  const SeedingIndex seeding;

  OwnerResolver fallback(ResolverOptions{}, &seeding);
  const auto owner = fallback.resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::process) << owner->reason;
  EXPECT_NE(owner->source, OwnerSource::index);
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(holder.pid())});
  EXPECT_NE(owner->reason.find("the listener index's start-up walk had not finished"), std::string::npos)
      << owner->reason;
  EXPECT_EQ(fallback.stats().index_not_ready, 1u);

  OwnerResolver only_index(ResolverOptions{.force = OwnerSource::index}, &seeding);
  const auto none = only_index.resolve(event);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->kind, OwnerKind::unknown);
  EXPECT_EQ(none->reason, "not in the listener index (its start-up walk had not finished)");
}

TEST_F(OwnerResolverGoneTest, TheIndexReportsAnOwnerThatExitedAsGone) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Event event = failure_after_the_owner_exited(trace, port);

  OwnerResolver r(ResolverOptions{.force = OwnerSource::index}, trace.tracer().session());
  const auto owner = r.resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::gone) << owner->reason;
  EXPECT_EQ(owner->source, OwnerSource::index);
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(owner_pid_)});
  EXPECT_NE(owner->reason.find(std::to_string(owner_pid_)), std::string::npos) << owner->reason;
}

TEST_F(OwnerResolverGoneTest, TheIndexReportsAUdpOwnerThatExitedAsGone) {
  const auto port = free_port(SOCK_DGRAM);
  Child& holder = hold({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port)}, "bind");
  const pid_t dead = holder.pid();
  TraceHarness trace(options_for(std::nullopt, {port}));
  // Its start-up walk (after `attached`, in the background) indexes the holder.
  ASSERT_TRUE(trace.tracer().session()->wait_until_ready(std::chrono::seconds(10)));
  EXPECT_TRUE(trace.tracer().session()->seed_result().error.empty()) << trace.tracer().session()->seed_result().error;
  EXPECT_GT(trace.tracer().session()->seed_result().entries, 0u);
  const Event event =
      captured(trace, fail({"-p", "udp", "-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
  holder.signal(SIGKILL);
  ASSERT_EQ(holder.wait(), 128 + SIGKILL);

  OwnerResolver r(ResolverOptions{.force = OwnerSource::index}, trace.tracer().session());
  const auto owner = r.resolve(event);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, OwnerKind::gone) << owner->reason;
  EXPECT_EQ(owner->source, OwnerSource::index);
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(dead)});
  EXPECT_NE(owner->reason.find(std::to_string(dead)), std::string::npos) << owner->reason;
}

TEST_F(OwnerResolverGoneTest, AnOwnerThatExitedIsNeverReportedAsAProcess) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Event event = failure_after_the_owner_exited(trace, port);

  OwnerResolver r(ResolverOptions{}, trace.tracer().session());
  const auto owner = r.resolve(event);
  ASSERT_TRUE(owner);
  // The default path asks the index first, and the index remembers who held it.
  EXPECT_EQ(owner->kind, OwnerKind::gone) << owner_kind_name(owner->kind) << ": " << owner->reason;
  EXPECT_EQ(owner->source, OwnerSource::index);
  EXPECT_EQ(pids_of(*owner), std::set<std::uint32_t>{u32(owner_pid_)});
  EXPECT_NE(owner->reason.find("exited"), std::string::npos) << owner->reason;
}

TEST_F(OwnerResolverTest, WorkerDeliversInSubmissionOrderWithOwnersAndCachesABurst) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const Child& holder = hold({"-a", "127.0.0.1", "-P", std::to_string(port)});
  const Event failure = captured(trace, fail({"-a", "127.0.0.1", "-P", std::to_string(port), "bind"}));
  ASSERT_EQ(failure.err, EADDRINUSE);

  struct Collect final : Sink {
    std::mutex mutex;
    std::vector<Event> events;
    void write(const Event& e) override {
      std::lock_guard lock(mutex);
      events.push_back(e);
    }
  } sink;
  std::vector<Event>& delivered = sink.events;
  constexpr int kBurst = 6;
  {
    PipelineOptions options;
    options.complete_events = false;
    options.capacity = 64;
    options.owner_cache_ttl = std::chrono::seconds(30);
    Pipeline pipeline(options, trace.tracer().session(), sink);
    for (int i = 0; i < kBurst; ++i) {
      Event e = failure;
      e.boot_ns = 1000 + static_cast<std::uint64_t>(i);  // the submission order
      pipeline.submit(std::move(e));
    }
    pipeline.drain();
    {
      std::lock_guard lock(sink.mutex);
      EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kBurst));
    }
    const PipelineStats stats = pipeline.stats();
    EXPECT_EQ(stats.resolved, 1u);
    EXPECT_EQ(stats.cache_hits, static_cast<std::uint64_t>(kBurst - 1));
    EXPECT_EQ(stats.skipped, 0u);
    EXPECT_EQ(stats.failures, 0u);
  }

  ASSERT_EQ(delivered.size(), static_cast<std::size_t>(kBurst));
  for (int i = 0; i < kBurst; ++i) {
    const Event& e = delivered[static_cast<std::size_t>(i)];
    EXPECT_EQ(e.boot_ns, 1000 + static_cast<std::uint64_t>(i));
    ASSERT_TRUE(e.owner) << "event " << i;
    EXPECT_EQ(e.owner->kind, OwnerKind::process) << e.owner->reason;
    EXPECT_EQ(pids_of(*e.owner), std::set<std::uint32_t>{u32(holder.pid())});
  }
}

}  // namespace
}  // namespace bindtrace
