#include "bindtrace/proc/proc_reader.hpp"

#include <gtest/gtest.h>

namespace bindtrace {
namespace {

const ProcReader& fixtures() {
  static const ProcReader reader(BINDTRACE_FIXTURES_DIR "/proc");
  return reader;
}

TEST(ProcReader, CmdlineArgumentsAreJoinedBySpaces) {
  EXPECT_EQ(fixtures().cmdline(1001), "python3 -m http.server 8001");
}

TEST(ProcReader, KernelThreadHasEmptyCmdline) {
  EXPECT_EQ(fixtures().cmdline(2), "");
}

TEST(ProcReader, MissingProcessGivesNothing) {
  EXPECT_EQ(fixtures().cmdline(999999), std::nullopt);
  EXPECT_EQ(fixtures().cgroup_path(999999), std::nullopt);
  EXPECT_EQ(fixtures().start_time(999999), std::nullopt);
}

TEST(ProcReader, StartTimeIsParsedAfterCommWithParenthesesAndSpaces) {
  // comm is "x) (y z": splitting on the first ')' would shift every field.
  EXPECT_EQ(fixtures().start_time(1001), 123456789u);
}

TEST(ProcReader, StartTimeOfPlainComm) {
  EXPECT_EQ(fixtures().start_time(1002), 987654u);
}

TEST(ProcReader, CgroupV2HostUsesUnifiedLine) {
  EXPECT_EQ(fixtures().cgroup_path(1001), "/system.slice/web.service");
}

TEST(ProcReader, HybridHostUsesUnifiedLine) {
  EXPECT_EQ(fixtures().cgroup_path(1002), "/user.slice/user-1000.slice/session-3.scope");
}

TEST(ProcReader, LegacyV1HostUsesNamedSystemdLine) {
  EXPECT_EQ(fixtures().cgroup_path(1003), "/system.slice/cron.service");
}

TEST(ProcReader, DeletedCgroupLosesItsSuffix) {
  EXPECT_EQ(fixtures().cgroup_path(1004), "/system.slice/old-server.service");
}

}  // namespace
}  // namespace bindtrace

namespace bindtrace {
namespace {

TEST(ProcReaderIdentity, CommWithoutNewline) {
  const ProcReader reader(BINDTRACE_FIXTURES_DIR "/proc");
  EXPECT_EQ(reader.comm(1001), "uvicorn");
}

TEST(ProcReaderIdentity, RealUidFromStatus) {
  const ProcReader reader(BINDTRACE_FIXTURES_DIR "/proc");
  EXPECT_EQ(reader.uid(1002), 1000u);
  EXPECT_FALSE(reader.uid(999999));
}

}  // namespace
}  // namespace bindtrace
