// Tier choice on the real kernel: kernel-function tiers first, a clean fall
// through where they do not attach, tracefs mounted when absent.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

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

// One real load + attach of `tier`, detached again before it returns; with
// whether anything was left attached.
std::pair<TierTrial, bool> real_trial(Tier tier) {
  CaptureSession probe(options_for(tier).capture);
  TierTrial trial = probe.try_tier(tier);
  return {trial, probe.attached()};
}

// A tier that attached captures a failing bind from the process that made it.
void expect_captures(Tier tier) {
  const auto port = free_port();
  TraceHarness trace(options_for(tier, {port}));
  Child child({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"});
  ASSERT_EQ(child.wait(), 1);
  auto e = trace.wait_for([&](const Event& e) { return e.process.pid == static_cast<std::uint32_t>(child.pid()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->endpoint.address, "10.255.255.1");
  EXPECT_EQ(e->tier, tier);
}

// Whether the running kernel was built with kprobes, from its own config
// (/proc/config.gz), else from the kprobe PMU: evidence the trial does not use.
std::optional<bool> kernel_has_kprobes() {
  Child zcat({"zcat", "/proc/config.gz"});
  std::optional<bool> built_with;
  while (auto line = zcat.read_line()) {
    if (*line == "CONFIG_KPROBES=y") built_with = true;
    if (*line == "# CONFIG_KPROBES is not set") built_with = false;
  }
  if (zcat.wait() == 0 && built_with) return built_with;
  return std::filesystem::exists("/sys/bus/event_source/devices/kprobe");
}

// kprobes: a kernel built with them attaches the tier and captures; one
// built without them fails the trial before loading anything, saying so.
// (The choice among tiers, given each trial's result, is the loader's unit
// test; this is the real trial.)
TEST_F(TierTest, TheKprobeTierAttachesExactlyWhenTheKernelHasKprobes) {
  const std::optional<bool> has_kprobes = kernel_has_kprobes();
  ASSERT_TRUE(has_kprobes.has_value());
  const auto [trial, attached] = real_trial(Tier::kprobe);  // detached again on return
  if (*has_kprobes) {
    ASSERT_TRUE(trial.ok) << describe_trial(trial);
    expect_captures(Tier::kprobe);
  } else {
    EXPECT_FALSE(trial.ok);
    EXPECT_FALSE(attached);
    EXPECT_EQ(trial.stage, "precondition");
    EXPECT_EQ(trial.err, ENOENT);
    EXPECT_NE(trial.message.find("CONFIG_KPROBES"), std::string::npos) << trial.message;
  }
}

// fentry: where the kernel accepts trampolines the tier must capture; where
// it refuses them (EPERM on this CI's kernel) the trial fails with a stage and
// a reason, leaving nothing attached.
TEST_F(TierTest, TheFentryTierCapturesOrFailsCleanly) {
  const auto [trial, attached] = real_trial(Tier::fentry);
  if (trial.ok) {
    expect_captures(Tier::fentry);
    return;
  }
  EXPECT_FALSE(attached);
  EXPECT_FALSE(trial.stage.empty());
  EXPECT_NE(trial.err, 0);
  EXPECT_NE(describe_trial(trial).find("fentry"), std::string::npos);
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

// In a private mount namespace (a child process), so the machine's own
// tracefs and debugfs mounts are never touched: with neither mounted, the
// tracepoint tier mounts tracefs itself and attaches.
TEST_F(TierTest, TracefsIsMountedWhenAbsent) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(10);
    for (const char* dir : {"/sys/kernel/debug/tracing", "/sys/kernel/debug", "/sys/kernel/tracing"})
      while (::umount2(dir, MNT_DETACH) == 0) {
      }
    if (mounted("tracefs", "/sys/kernel/tracing") || mounted("debugfs", "/sys/kernel/debug")) ::_exit(11);
    try {
      Tracer tracer(options_for(Tier::tracepoint));
      if (tracer.attach() != Tier::tracepoint) ::_exit(12);
    } catch (...) {
      ::_exit(13);
    }
    ::_exit(mounted("tracefs", "/sys/kernel/tracing") ? 0 : 14);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: no private mount namespace, 11: could not unmount tracefs/debugfs, "
                                       "12: another tier, 13: attach threw, 14: tracefs not mounted";
}

}  // namespace
}  // namespace bindtrace
