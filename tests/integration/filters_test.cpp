// The in-kernel filters keep what was asked for and drop the rest; dropped
// events are counted as filtered, never lost silently. bindtrace never traces
// itself.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "bindtrace/capture/filter_spec.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::options_for;
using testing::testprog;
using testing::TraceHarness;

class FilterTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  // A bind to a non-local address: fails with EADDRNOTAVAIL without needing a holder.
  static pid_t fail_bind(std::uint16_t port, std::vector<std::string> prefix = {}) {
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(), {testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
    Child child(argv);
    EXPECT_EQ(child.wait(), 1);
    return child.pid();
  }

  static std::function<bool(const Event&)> from(pid_t pid) {
    return [pid](const Event& e) { return e.process.pid == static_cast<std::uint32_t>(pid); };
  }

  static bool seen(TraceHarness& t, pid_t pid) { return t.wait_for(from(pid), std::chrono::milliseconds(1)).has_value(); }
};

TEST_F(FilterTest, PortFilterKeepsOnlyTheListedPorts) {
  const auto wanted = free_port();
  const auto other = static_cast<std::uint16_t>(wanted == 65535 ? wanted - 1 : wanted + 1);
  TraceHarness trace(options_for(std::nullopt, {wanted}));
  const pid_t dropped = fail_bind(other);
  const pid_t kept = fail_bind(wanted);
  ASSERT_TRUE(trace.wait_for(from(kept)));
  EXPECT_FALSE(seen(trace, dropped));
  EXPECT_GE(trace.tracer().stats().kernel.filtered, 1u);
}

TEST_F(FilterTest, PortRangeFilter) {
  const auto base = free_port();
  TraceOptions options = options_for(std::nullopt);
  add_port_spec(options.capture.filter, std::to_string(base) + "-" + std::to_string(base + 2));
  TraceHarness trace(options);
  const pid_t below = fail_bind(static_cast<std::uint16_t>(base - 1));
  const pid_t above = fail_bind(static_cast<std::uint16_t>(base + 3));
  const pid_t first = fail_bind(base);
  const pid_t kept = fail_bind(static_cast<std::uint16_t>(base + 2));  // after the others: a marker
  ASSERT_TRUE(trace.wait_for(from(kept)));
  EXPECT_TRUE(seen(trace, first));
  EXPECT_FALSE(seen(trace, below));
  EXPECT_FALSE(seen(trace, above));
}

TEST_F(FilterTest, ErrnoFilterDropsOtherErrors) {
  const auto port = free_port();
  TraceOptions options = options_for(std::nullopt, {port});
  add_errno_spec(options.capture.filter, "EADDRINUSE");
  TraceHarness trace(options);
  const pid_t not_avail = fail_bind(port);  // EADDRNOTAVAIL: filtered
  Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(holder.expect_line("ready"));
  Child in_use({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(in_use.wait(), 1);
  auto e = trace.wait_for(from(in_use.pid()));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, EADDRINUSE);
  EXPECT_FALSE(seen(trace, not_avail));
}

TEST_F(FilterTest, PidFilterKeepsOnlyThatProcess) {
  const auto port = free_port();
  // The process is started first and told to act once the tracer is
  // attached (its stdin closes), so its pid is known to the filter.
  Child late({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "--wait-stdin", "bind"},
             Child::Options{.pipe_stdin = true});
  TraceOptions options = options_for(std::nullopt, {port});
  options.capture.filter.pid = static_cast<std::uint32_t>(late.pid());
  TraceHarness trace(options);
  late.close_stdin();
  const pid_t other = fail_bind(port);
  EXPECT_EQ(late.wait(), 1);
  ASSERT_TRUE(trace.wait_for(from(late.pid())));
  EXPECT_FALSE(seen(trace, other));
}

TEST_F(FilterTest, CommFilterMatchesAPrefix) {
  const auto port = free_port();
  TraceOptions options = options_for(std::nullopt, {port});
  set_comm_spec(options.capture.filter, "bt_so");
  TraceHarness trace(options);
  const pid_t kept = fail_bind(port);
  ASSERT_TRUE(trace.wait_for(from(kept)));

  TraceOptions other_options = options_for(std::nullopt, {port});
  set_comm_spec(other_options.capture.filter, "nginx");
  TraceHarness other_trace(other_options);
  const pid_t dropped = fail_bind(port);
  const pid_t marker = fail_bind(port);
  ASSERT_TRUE(trace.wait_for(from(marker)));  // the first tracer saw the later one...
  // The other tracer's programs ran for both (the kernel counts a filtered
  // failure before the syscall returns) and sent neither.
  const KernelCounters other = other_trace.tracer().session()->counters();
  EXPECT_GE(other.filtered, 2u);
  EXPECT_EQ(other.emitted, 0u);
  EXPECT_FALSE(seen(other_trace, dropped));  // ...the comm-filtered one saw neither
  EXPECT_FALSE(seen(other_trace, marker));
}

TEST_F(FilterTest, CgroupFilterMatchesTheCgroupAndBelow) {
  const std::string root = find_cgroup2_mount();
  ASSERT_FALSE(root.empty()) << "no cgroup2 mount";
  testing::CgroupDirs cgroups(root);
  const std::string rel = "/bindtrace-test-" + std::to_string(::getpid());
  cgroups.make(rel + "/inner.service");
  const std::string dir = root + rel;
  const std::string child_dir = dir + "/inner.service";
  ASSERT_TRUE(std::filesystem::is_directory(child_dir));

  const auto port = free_port();
  TraceOptions options = options_for(std::nullopt, {port});
  set_cgroup_spec(options.capture.filter, dir, root);
  TraceHarness trace(options);

  Child inside({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"},
               Child::Options{.cgroup_procs = child_dir + "/cgroup.procs"});
  EXPECT_EQ(inside.wait(), 1);
  const pid_t outside = fail_bind(port);
  ASSERT_TRUE(trace.wait_for(from(inside.pid())));
  EXPECT_FALSE(seen(trace, outside));
}

class NetnsFilterTest : public FilterTest {
 protected:
  void SetUp() override {
    FilterTest::SetUp();
    if (IsSkipped()) return;
    name_ = "bt-test-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("ip netns add " + name_ + " && ip -n " + name_ + " link set lo up").c_str()), 0);
  }
  void TearDown() override {
    if (!name_.empty()) std::system(("ip netns delete " + name_ + " 2>/dev/null").c_str());
  }
  std::string name_;
};

TEST_F(NetnsFilterTest, OnlyTheChosenNamespaceIsReported) {
  const auto port = free_port();
  TraceOptions options = options_for(std::nullopt, {port});
  set_netns_spec(options.capture.filter, "/run/netns/" + name_);
  TraceHarness trace(options);

  const pid_t inside = fail_bind(port, {"ip", "netns", "exec", name_});
  const pid_t outside = fail_bind(port);
  // `ip netns exec` execs bt_sock in place, so the pid is the child's.
  auto e = trace.wait_for(from(inside));
  ASSERT_TRUE(e);
  struct stat st{};
  ASSERT_EQ(::stat(("/run/netns/" + name_).c_str(), &st), 0);
  EXPECT_EQ(e->netns, st.st_ino);
  EXPECT_FALSE(seen(trace, outside));
}

TEST_F(FilterTest, BindtraceDoesNotTraceItself) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));  // self_tgid defaults to getpid()
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, "10.255.255.1", &sin.sin_addr);
  ASSERT_NE(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  ::close(fd);
  const pid_t marker = fail_bind(port);
  ASSERT_TRUE(trace.wait_for(from(marker)));
  EXPECT_FALSE(seen(trace, ::getpid()));
}

TEST_F(FilterTest, CountersAddUp) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  const pid_t a = fail_bind(port);
  const pid_t b = fail_bind(port);
  ASSERT_TRUE(trace.wait_for(from(a)));
  ASSERT_TRUE(trace.wait_for(from(b)));
  const TraceStats s = trace.tracer().stats();
  EXPECT_GE(s.kernel.emitted, 2u);
  EXPECT_EQ(s.kernel.dropped, 0u);
  EXPECT_EQ(s.kernel.seen, s.kernel.filtered + s.kernel.emitted + s.kernel.aggregated + s.kernel.dropped);
}

}  // namespace
}  // namespace bindtrace
