// The parsers of /proc/PID file contents: stat fields past a hostile comm,
// status lines, argv and environ splitting, and the cgroup path.
#include "bindtrace/proc/proc_text.hpp"

#include <gtest/gtest.h>

namespace bindtrace {
namespace {

using namespace std::string_literals;

TEST(StatNumberField, FieldsAreFoundPastACommWithParentheses) {
  const std::string stat = "42 (a) (b) S 7 42 42 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 12345 1000 10\n";
  EXPECT_EQ(stat_number_field(stat, 4), 7u);
  EXPECT_EQ(stat_number_field(stat, 9), 4194560u);
  EXPECT_EQ(stat_number_field(stat, 22), 12345u);
  EXPECT_EQ(stat_number_field(stat, 40), std::nullopt);
  EXPECT_EQ(stat_number_field(stat, 2), std::nullopt);
}

TEST(ParseStat, CommStateParentFlagsAndStartTime) {
  const auto stat = parse_stat("42 (a) (b) Z 7 42 42 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 12345 1000 10\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->comm, "a) (b");
  EXPECT_EQ(stat->state, 'Z');
  EXPECT_EQ(stat->ppid, 7u);
  EXPECT_EQ(stat->flags, 4194560u);
  EXPECT_EQ(stat->start_time, 12345u);
}

TEST(ParseStat, ALineWithoutTheStartTimeGivesNothing) {
  EXPECT_EQ(parse_stat("42 (a) S 7 42 42 0 -1 4194560\n"), std::nullopt);
  EXPECT_EQ(parse_stat("42 a S 7"), std::nullopt);
  EXPECT_EQ(parse_stat(""), std::nullopt);
}

TEST(ParseStatus, RealUidNspidAndIgnoredSignals) {
  const auto status = parse_status("Name:\tx\nUid:\t1000\t0\t0\t0\nNSpid:\t1300\t1\nSigIgn:\t0000000000001001\n");
  EXPECT_EQ(status.uid, 1000u);
  EXPECT_EQ(status.nspid, (std::vector<std::uint32_t>{1300, 1}));
  EXPECT_EQ(status.sig_ign, 0x1001u);
}

TEST(ParseStatus, AMissingUidLineIsNoUid) {
  EXPECT_EQ(parse_status("Name:\tx\nUidx:\t5\n").uid, std::nullopt);
  EXPECT_EQ(parse_status("Uid:\t7\n").uid, 7u);  // the first line counts too
}

TEST(SplitItems, EmptyArgumentsAreKeptAndTheLastSeparatorEndsTheList) {
  EXPECT_EQ(split_items("a\0\0b\0"s, '\0'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(split_items("", '\0').empty());
}

TEST(ParseEnviron, SplitsAtTheFirstEqualsSignAndSkipsEntriesWithoutAKey) {
  const auto environ = parse_environ("A=1\0B=x=y\0=nokey\0plain\0E=\0"s);
  EXPECT_EQ(environ, (std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}, {"E", ""}}));
}

TEST(WithoutDeletedSuffix, OnlyTheTrailingMarkerIsRemoved) {
  EXPECT_EQ(without_deleted_suffix("/usr/bin/app (deleted)"), "/usr/bin/app");
  EXPECT_EQ(without_deleted_suffix("/usr/bin/app"), "/usr/bin/app");
  EXPECT_EQ(without_deleted_suffix("/tmp/ (deleted)/app"), "/tmp/ (deleted)/app");
  EXPECT_EQ(without_deleted_suffix(" (deleted)"), "");
  EXPECT_EQ(without_deleted_suffix("(deleted)"), "(deleted)");
}

TEST(ParseCgroupFile, ADeletedCgroupKeepsItsPath) {
  EXPECT_EQ(parse_cgroup_file("0::/system.slice/app.service (deleted)\n"), "/system.slice/app.service");
}

TEST(CgroupLines, EmptyLinesAreDropped) {
  EXPECT_EQ(cgroup_lines_of("0::/a\n\n1:cpu:/b\n"), (std::vector<std::string>{"0::/a", "1:cpu:/b"}));
}

TEST(ParseCgroupFile, UnifiedLineWinsOverNamedSystemdLine) {
  EXPECT_EQ(parse_cgroup_file("1:name=systemd:/system.slice/a.service\n0::/system.slice/b.service\n"),
            "/system.slice/b.service");
}

TEST(ParseCgroupFile, NamedSystemdIsFoundAmongOtherControllers) {
  EXPECT_EQ(parse_cgroup_file("2:cpu,name=systemd:/x.slice\n"), "/x.slice");
}

TEST(ParseCgroupFile, PathMayContainColons) {
  EXPECT_EQ(parse_cgroup_file("0::/machine.slice/a:b.scope"), "/machine.slice/a:b.scope");
}

TEST(ParseCgroupFile, V1WithoutNamedSystemdGivesNothing) {
  EXPECT_EQ(parse_cgroup_file("4:memory:/docker/abc\n3:cpu:/docker/abc\n"), std::nullopt);
}

TEST(ParseCgroupFile, MalformedInputGivesNothing) {
  EXPECT_EQ(parse_cgroup_file(""), std::nullopt);
  EXPECT_EQ(parse_cgroup_file("garbage\n0:\n0::\n"), std::nullopt);
}

}  // namespace
}  // namespace bindtrace
