// read_snapshot over the fixture /proc tree in tests/fixtures/attribute/proc.
#include <gtest/gtest.h>
#include <unistd.h>

#include "bindtrace/proc/snapshot_reader.hpp"

namespace bindtrace {
namespace {

const std::string kProc = BINDTRACE_FIXTURES_DIR "/attribute/proc";

TEST(AttributeSnapshotReader, CommWithParenthesesAndSpacesKeepsTheFieldsAfterIt) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->comm, "uv) (icorn");
  EXPECT_EQ(snapshot->ppid, 700u);
  EXPECT_EQ(snapshot->start_time, 7777u);
}

TEST(AttributeSnapshotReader, StatusGivesUidNspidAndSigIgn) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->uid, 1000u);
  EXPECT_EQ(snapshot->nspid, std::vector<std::uint32_t>{1207});
  EXPECT_EQ(snapshot->sig_ign, 1u);
  EXPECT_EQ(read_snapshot(1300, kProc)->nspid, (std::vector<std::uint32_t>{1300, 1}));
}

TEST(AttributeSnapshotReader, CmdlineIsSplitIntoArgvKeepingEmptyArguments) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "uvicorn", "--root-path", "",
                                                      "--port", "8001"}));
}

TEST(AttributeSnapshotReader, EnvironIsSplitAtTheFirstEqualsSign) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE(snapshot->environ_readable);
  EXPECT_EQ(snapshot->environ.at("SUPERVISOR_PROCESS_NAME"), "backend");
  EXPECT_EQ(snapshot->environ.at("EMPTY"), "");
  EXPECT_EQ(snapshot->environ.at("WITH_EQUALS"), "a=b");
}

TEST(AttributeSnapshotReader, MissingEnvironIsUnreadableLikeEacces) {
  // A fixture cannot deny ptrace-read (and root ignores mode 000): a missing
  // file takes the same path as EACCES, the open failing.
  const auto snapshot = read_snapshot(1300, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_FALSE(snapshot->environ_readable);
  EXPECT_TRUE(snapshot->environ.empty());
}

TEST(AttributeSnapshotReader, CgroupLinesAndStdoutTarget) {
  const auto snapshot = read_snapshot(1300, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(
      snapshot->cgroup_lines,
      (std::vector<std::string>{"12:pids:/", "1:name=systemd:/user.slice/user-1000.slice/session-2.scope"}));
  EXPECT_EQ(snapshot->stdout_target, "/home/dev/nohup.out");
}

TEST(AttributeSnapshotReader, AncestorsRunParentFirstUpToPidOne) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->ancestors.size(), 2u);
  EXPECT_EQ(snapshot->ancestors[0].pid, 700u);
  EXPECT_EQ(snapshot->ancestors[0].comm, "supervisord");
  EXPECT_EQ(snapshot->ancestors[0].cmdline,
            "/usr/bin/python3 /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf");
  EXPECT_EQ(snapshot->ancestors[1].pid, 1u);
  EXPECT_EQ(snapshot->ancestors[1].comm, "systemd");
}

TEST(AttributeSnapshotReader, ParentLoopEndsTheWalk) {
  const auto snapshot = read_snapshot(5000, kProc);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->ancestors.size(), 1u);
  EXPECT_EQ(snapshot->ancestors[0].pid, 5001u);
}

TEST(AttributeSnapshotReader, VanishedProcessGivesNothing) {
  EXPECT_EQ(read_snapshot(999999, kProc), std::nullopt);
}

TEST(AttributeSnapshotReader, SupervisedFixtureIsAttributedToSupervisor) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  const Service service = attribute(*snapshot);
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.name, "backend:backend");
  EXPECT_EQ(service.outer, "supervisor.service");
}

TEST(AttributeSnapshotReader, ChildPidNamespaceFixtureStaysInItsSessionWithPartial) {
  const auto snapshot = read_snapshot(1300, kProc);
  ASSERT_TRUE(snapshot);
  const Service service = attribute(*snapshot);
  // NSpid has two levels: its ppid 1 is that namespace's init, so it is no orphan.
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.unit, "session-2.scope");
  EXPECT_EQ(service.partial, "environ unreadable");
}

TEST(AttributeSnapshotReader, ReadsTheLiveProcessItself) {
  const auto snapshot = read_snapshot(static_cast<std::uint32_t>(::getpid()));
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->pid, static_cast<std::uint32_t>(::getpid()));
  EXPECT_EQ(snapshot->ppid, static_cast<std::uint32_t>(::getppid()));
  EXPECT_FALSE(snapshot->argv.empty());
  EXPECT_TRUE(snapshot->environ_readable);
  ASSERT_FALSE(snapshot->ancestors.empty());
  EXPECT_EQ(snapshot->ancestors.back().pid, 1u);
}

}  // namespace
}  // namespace bindtrace
