// A1-A3 of docs/attribution.md: which cgroup path a process is attributed by.
#include <gtest/gtest.h>

#include "bindtrace/attribute.hpp"
#include "bindtrace/attribute/cgroup_path.hpp"

namespace bindtrace {
namespace {

ProcessSnapshot with_cgroup(std::vector<std::string> lines) {
  ProcessSnapshot snapshot;
  snapshot.pid = 4242;
  snapshot.ppid = 4000;
  snapshot.cgroup_lines = std::move(lines);
  return snapshot;
}

TEST(AttributeCgroupPath, UnifiedHostTakesTheZeroLine) {  // A1
  const auto path = cgroup_path_of({"0::/system.slice/connexa-backend.service"});
  ASSERT_TRUE(path);
  EXPECT_EQ(path->path, "/system.slice/connexa-backend.service");
  EXPECT_FALSE(path->outside_namespace);
}

TEST(AttributeCgroupPath, HybridHostPrefersTheZeroLineOverV1Lines) {  // A1
  const auto path = cgroup_path_of({"12:cpu,cpuacct:/", "1:name=systemd:/system.slice/a.service",
                                    "0::/system.slice/connexa-backend.service"});
  ASSERT_TRUE(path);
  EXPECT_EQ(path->path, "/system.slice/connexa-backend.service");
}

TEST(AttributeCgroupPath, LegacyHostTakesTheNameSystemdLineWhateverItsId) {  // A2
  const auto path = cgroup_path_of({"11:memory:/x", "7:name=systemd:/system.slice/nginx.service"});
  ASSERT_TRUE(path);
  EXPECT_EQ(path->path, "/system.slice/nginx.service");
}

TEST(AttributeCgroupPath, DeletedSuffixIsStripped) {  // A3
  const auto path = cgroup_path_of({"0::/system.slice/old.service (deleted)"});
  ASSERT_TRUE(path);
  EXPECT_EQ(path->path, "/system.slice/old.service");
}

TEST(AttributeCgroupPath, DotDotPrefixLiesOutsideOurNamespace) {  // A3
  const auto path = cgroup_path_of({"0::/../../system.slice/x.service"});
  ASSERT_TRUE(path);
  EXPECT_TRUE(path->outside_namespace);
}

TEST(AttributeCgroupPath, NoUsableLineGivesNothing) {
  EXPECT_FALSE(cgroup_path_of({"3:cpu:/a"}));
  EXPECT_FALSE(cgroup_path_of({}));
}

TEST(AttributeCgroupPath, OutsideNamespaceReportsPartialAndNoUnit) {  // A3
  const Service service = attribute(with_cgroup({"0::/../../system.slice/x.service"}));
  EXPECT_EQ(service.partial, "cgroup namespace");
  EXPECT_EQ(service.unit, "");
  EXPECT_EQ(service.manager, ManagerKind::none);
}

TEST(AttributeCgroupPath, ContainerPathsListUnifiedFirstThenDistinctV1Paths) {
  const auto paths =
      cgroup_paths_for_containers({"12:pids:/docker/abc", "1:name=systemd:/system.slice/x.service",
                                   "4:memory:/docker/abc", "3:cpu:/", "0::/system.slice/x.service"});
  EXPECT_EQ(paths, (std::vector<std::string>{"/system.slice/x.service", "/docker/abc"}));
}

TEST(AttributeCgroupPath, ContainerPathsLeaveOutDeletedSuffixAndForeignNamespaces) {
  const auto paths = cgroup_paths_for_containers({"0::/../x.service", "5:memory:/lxc/web (deleted)"});
  EXPECT_EQ(paths, (std::vector<std::string>{"/lxc/web"}));
}

}  // namespace
}  // namespace bindtrace
