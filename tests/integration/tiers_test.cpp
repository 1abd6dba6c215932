// Tier choice on the real kernel: kernel-function tiers first, a clean fall
// through where they do not attach, tracefs mounted when absent.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/errors.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::options_for;
using testing::testprog;
using testing::TraceHarness;

class TierTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }
};

bool mounted(const std::string& type, const std::string& target) {
  std::ifstream in("/proc/self/mounts");
  std::string src, dst, fstype, rest;
  while (in >> src >> dst >> fstype && std::getline(in, rest))
    if (fstype == type && dst == target) return true;
  return false;
}

TEST_F(TierTest, AutoChoosesTheFirstTierThatAttaches) {
  Tracer tracer(options_for(std::nullopt));
  const Tier chosen = tracer.attach();
  const auto& trials = tracer.trials();
  ASSERT_FALSE(trials.empty());
  EXPECT_TRUE(trials.back().ok);
  EXPECT_EQ(trials.back().tier, chosen);
  for (std::size_t i = 0; i + 1 < trials.size(); ++i) {
    EXPECT_FALSE(trials[i].ok);
    EXPECT_EQ(trials[i].tier, tier_order()[i]);
  }
}

// fentry and kprobe: where they attach they must capture; where they do not
// (this CI kernel: no trampolines, no CONFIG_KPROBES) the trial fails cleanly
// with a stage and a reason, leaving nothing attached.
TEST_F(TierTest, KernelFunctionTiersCaptureOrFailCleanly) {
  for (Tier tier : {Tier::fentry, Tier::kprobe}) {
    SCOPED_TRACE(std::string(tier_name(tier)));
    TraceOptions options = options_for(tier);
    CaptureSession probe(options.capture);
    const TierTrial trial = probe.try_tier(tier);
    if (!trial.ok) {
      EXPECT_FALSE(probe.attached());
      EXPECT_FALSE(trial.stage.empty());
      EXPECT_NE(trial.err, 0);
      EXPECT_NE(describe_trial(trial).find(tier_name(tier)), std::string::npos);
      continue;
    }
    const auto port = free_port();
    TraceHarness trace(options_for(tier, {port}));
    Child child({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
    ASSERT_EQ(child.wait(), 1);
    auto e = trace.wait_for([&](const Event& e) { return e.process.pid == static_cast<std::uint32_t>(child.pid()); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->endpoint.address, "10.255.255.1");
    EXPECT_EQ(e->tier, tier);
  }
}

TEST_F(TierTest, AForcedTierThatCannotAttachIsAnUnsupportedError) {
  for (Tier tier : tier_order()) {
    CaptureSession probe(options_for(tier).capture);
    if (probe.try_tier(tier).ok) continue;
    Tracer tracer(options_for(tier));
    try {
      (void)tracer.attach();
      FAIL() << "forced tier " << tier_name(tier) << " attached after its trial failed";
    } catch (const UnsupportedError& e) {
      EXPECT_NE(std::string(e.what()).find("--attach " + std::string(tier_name(tier))), std::string::npos);
    }
    return;
  }
  GTEST_SKIP() << "every tier attaches on this kernel";
}

TEST_F(TierTest, TracefsIsMountedWhenAbsent) {
  if (mounted("tracefs", "/sys/kernel/tracing")) ASSERT_EQ(::umount2("/sys/kernel/tracing", MNT_DETACH), 0);
  if (mounted("debugfs", "/sys/kernel/debug"))
    GTEST_SKIP() << "debugfs is mounted: libbpf uses its tracing directory";
  ASSERT_FALSE(mounted("tracefs", "/sys/kernel/tracing"));
  TraceHarness trace(options_for(Tier::tracepoint));
  EXPECT_EQ(trace.tier(), Tier::tracepoint);
  EXPECT_TRUE(mounted("tracefs", "/sys/kernel/tracing"));
}

}  // namespace
}  // namespace bindtrace
