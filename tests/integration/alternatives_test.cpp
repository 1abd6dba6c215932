// Nearest free ports, proven by trial binds against the kernel: held ports
// and TIME_WAIT ports are never offered.
#include <gtest/gtest.h>

#include "bindtrace/owner/alternatives.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::testprog;
using testing::TraceHarness;

class AlternativesTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  std::unique_ptr<Child> hold(std::uint16_t port) {
    auto c = std::make_unique<Child>(std::vector<std::string>{testprog("bt_sock"), "-a", "127.0.0.1", "-P",
                                                              std::to_string(port), "--stdin-hold", "listen"},
                                     Child::Options{.pipe_stdin = true});
    EXPECT_TRUE(c->expect_line("ready"));
    return c;
  }

  // A failure on `port` as the tracer saw it.
  Event failure_on(std::uint16_t port) {
    TraceHarness trace(testing::options_for(std::nullopt, {port}));
    Child fail({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    EXPECT_EQ(fail.wait(), 1);
    auto e = trace.wait_for([&](const Event& e) { return e.process.pid == static_cast<std::uint32_t>(fail.pid()); });
    EXPECT_TRUE(e);
    return e ? *e : Event{};
  }
};

TEST_F(AlternativesTest, HeldNeighboursAreSkipped) {
  const std::uint16_t port = 21500;  // below the ephemeral range, so neighbours are candidates
  auto a = hold(port);
  auto b = hold(port + 1);
  const Event e = failure_on(port);
  const auto free = nearest_free_ports(e, 2);
  ASSERT_EQ(free.size(), 2u);
  EXPECT_EQ(free[0], port - 1);
  EXPECT_EQ(free[1], port + 2);
}

TEST_F(AlternativesTest, TimeWaitPortsAreNotOffered) {
  const std::uint16_t port = 21600;
  auto a = hold(port);
  Child tw({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port + 1), "time-wait"});
  ASSERT_EQ(tw.wait(), 0);
  const Event e = failure_on(port);
  const auto free = nearest_free_ports(e, 1);
  ASSERT_EQ(free.size(), 1u);
  EXPECT_EQ(free[0], port - 1);  // port + 1 is in TIME_WAIT: a bind without SO_REUSEADDR fails there
}

TEST_F(AlternativesTest, OnlyForAddressInUse) {
  Event e;
  e.err = EADDRNOTAVAIL;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "127.0.0.1";
  e.endpoint.port = 21700;
  e.proto = Proto::tcp;
  EXPECT_TRUE(nearest_free_ports(e).empty());
}

}  // namespace
}  // namespace bindtrace
