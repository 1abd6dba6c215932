// cgroup id -> path against real cgroup-v2 directories and the ids the
// kernel records for processes inside them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

#include "bindtrace/proc/cgroup_id_cache.hpp"
#include "bindtrace/capture/kernel_env.hpp"
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

class CgroupIdCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    root_ = find_cgroup2_mount();
    ASSERT_FALSE(root_.empty());
    cgroups_ = std::make_unique<testing::CgroupDirs>(root_);  // removed even when an assertion fails
    rel_ = "/bindtrace-cg-" + std::to_string(::getpid()) + ".slice/app-x\\x2dy.service";
    cgroups_->make(rel_);
    ASSERT_TRUE(std::filesystem::is_directory(root_ + rel_));
  }
  std::string root_, rel_;
  std::unique_ptr<testing::CgroupDirs> cgroups_;
};

TEST_F(CgroupIdCacheTest, DirectoryInodeMapsToItsPath) {
  struct stat st{};
  ASSERT_EQ(::stat((root_ + rel_).c_str(), &st), 0);
  CgroupIdCache cache(root_);
  EXPECT_EQ(cache.path_of(st.st_ino), rel_);
}

TEST_F(CgroupIdCacheTest, TheKernelsIdOfAnExitedProcessStillResolves) {
  const auto port = free_port();
  TraceHarness trace(options_for(std::nullopt, {port}));
  Child child({testprog("bt_sock"), "-a", "10.255.255.1", "-P", std::to_string(port), "bind"},
              Child::Options{.cgroup_procs = root_ + rel_ + "/cgroup.procs"});
  ASSERT_EQ(child.wait(), 1);  // exited: /proc/PID/cgroup is gone
  auto e = trace.wait_for([&](const Event& e) { return e.process.pid == static_cast<std::uint32_t>(child.pid()); });
  ASSERT_TRUE(e);
  CgroupIdCache cache(root_);
  EXPECT_EQ(cache.path_of(e->process.cgroup_id), rel_);
}

TEST_F(CgroupIdCacheTest, RepeatedMissesOfOneIdAreRewalkedAtMostOncePerInterval) {
  CgroupIdCache cache(root_, std::chrono::hours(1));
  EXPECT_FALSE(cache.path_of(1ULL << 62));
  EXPECT_FALSE(cache.path_of(1ULL << 62));
  EXPECT_FALSE(cache.path_of(1ULL << 62));
  EXPECT_EQ(cache.walks(), 1u);
}

TEST_F(CgroupIdCacheTest, TheFirstMissOfANewIdRewalksAtOnce) {
  CgroupIdCache cache(root_, std::chrono::hours(1));
  (void)cache.path_of(1ULL << 62);  // walks, and remembers the miss
  // A restarted unit: same path, a new directory, a new id.
  const std::string again = rel_ + "/restarted";
  cgroups_->make(again);
  struct stat st{};
  ASSERT_EQ(::stat((root_ + again).c_str(), &st), 0);
  EXPECT_EQ(cache.path_of(st.st_ino), again);
}

TEST_F(CgroupIdCacheTest, NewDirectoriesAreFoundOnAMiss) {
  CgroupIdCache cache(root_, std::chrono::milliseconds(0));
  (void)cache.path_of(1);  // first walk
  const std::string later = rel_ + "/late";
  cgroups_->make(later);
  struct stat st{};
  ASSERT_EQ(::stat((root_ + later).c_str(), &st), 0);
  EXPECT_EQ(cache.path_of(st.st_ino), later);
}

}  // namespace
}  // namespace bindtrace
