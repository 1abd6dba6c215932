#include "bindtrace/capture/filter_spec.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

// The UsageError message thrown by `action`, or "" when none was thrown.
std::string usage_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

TEST(PortSpec, SinglePortSetsOneBit) {
  FilterSpec spec;
  add_port_spec(spec, "8001");
  EXPECT_EQ(spec.ports.count(), 1u);
  EXPECT_TRUE(spec.ports.test(8001));
}

TEST(PortSpec, RangeIsInclusive) {
  FilterSpec spec;
  add_port_spec(spec, "8000-8002");
  EXPECT_EQ(spec.ports.count(), 3u);
  EXPECT_TRUE(spec.ports.test(8000));
  EXPECT_TRUE(spec.ports.test(8002));
  EXPECT_FALSE(spec.ports.test(8003));
}

TEST(PortSpec, SpecsAccumulate) {
  FilterSpec spec;
  add_port_spec(spec, "80");
  add_port_spec(spec, "65535");
  add_port_spec(spec, "0");
  EXPECT_EQ(spec.ports.count(), 3u);
  EXPECT_TRUE(spec.ports.test(0));
  EXPECT_TRUE(spec.ports.test(65535));
}

TEST(PortSpec, PortAboveRangeIsRejectedNamingTheOption) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { add_port_spec(spec, "70000"); }),
            "--port: '70000' is not a port or range (0-65535, e.g. 8000-8099)");
}

TEST(PortSpec, ReversedRangeIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { add_port_spec(spec, "9000-8000"); }),
            "--port: '9000-8000' is a range whose start is above its end");
}

TEST(PortSpec, MalformedPortsAreRejected) {
  for (const std::string_view text : {"", "-", "80-", "-80", "8o", " 80", "+80", "1-2-3"}) {
    FilterSpec spec;
    EXPECT_NE(usage_error([&] { add_port_spec(spec, text); }), "") << "'" << text << "'";
    EXPECT_FALSE(spec.has_port_filter()) << "'" << text << "'";
  }
}

TEST(ErrnoSpec, NameAndNumberSetTheirBits) {
  FilterSpec spec;
  add_errno_spec(spec, "addrinuse");
  add_errno_spec(spec, "13");
  EXPECT_EQ(spec.errnos.count(), 2u);
  EXPECT_TRUE(spec.errnos.test(98));
  EXPECT_TRUE(spec.errnos.test(13));
}

TEST(ErrnoSpec, UnknownNameIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { add_errno_spec(spec, "EFOO"); }),
            "--errno: 'EFOO' is not an errno name or number");
}

TEST(ErrnoSpec, ErrnoAbove127IsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { add_errno_spec(spec, "EKEYREVOKED"); }),
            "--errno: 'EKEYREVOKED' is outside the errnos that can be filtered (1-127)");
}

TEST(CommSpec, FifteenBytesAreKept) {
  FilterSpec spec;
  set_comm_spec(spec, "abcdefghijklmno");
  EXPECT_EQ(spec.comm, "abcdefghijklmno");
}

TEST(CommSpec, LongerThanFifteenBytesIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_comm_spec(spec, "xxxxxxxxxxxxxxxxxx"); }),
            "--comm: 'xxxxxxxxxxxxxxxxxx' is longer than 15 bytes");
}

TEST(CommSpec, EmptyIsRejected) {
  FilterSpec spec;
  EXPECT_NE(usage_error([&] { set_comm_spec(spec, ""); }), "");
}

TEST(CommSpec, ControlCharactersInTheMessageAreEscaped) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_comm_spec(spec, "\x1b[31mxxxxxxxxxxxxx"); }),
            "--comm: '\\x1b[31mxxxxxxxxxxxxx' is longer than 15 bytes");
}

TEST(PidSpec, PositivePidIsKept) {
  FilterSpec spec;
  set_pid_spec(spec, "1207");
  EXPECT_EQ(spec.pid, 1207u);
}

TEST(PidSpec, ZeroNegativeAndGarbageAreRejected) {
  for (const std::string_view text : {"", "0", "-1", "12a", "4194305", "99999999999"}) {
    FilterSpec spec;
    EXPECT_EQ(usage_error([&] { set_pid_spec(spec, text); }),
              "--pid: '" + std::string(text) + "' is not a process id (1-4194304)");
  }
}

// A cgroup-like directory tree in a temporary directory.
class CgroupSpec : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "bindtrace-cg-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::filesystem::create_directories(root_ + "/system.slice/x.service");
    std::ofstream(root_ + "/cgroup.procs") << "1\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
};

TEST_F(CgroupSpec, RelativePathResolvesUnderRoot) {
  FilterSpec spec;
  set_cgroup_spec(spec, "system.slice/x.service", root_);
  EXPECT_EQ(spec.cgroup_id, inode_of(root_ + "/system.slice/x.service"));
  EXPECT_EQ(spec.cgroup_level, 2u);
  EXPECT_EQ(spec.cgroup_path, "system.slice/x.service");
}

TEST_F(CgroupSpec, AbsolutePathUnderRootIsAccepted) {
  FilterSpec spec;
  set_cgroup_spec(spec, root_ + "/system.slice", root_);
  EXPECT_EQ(spec.cgroup_id, inode_of(root_ + "/system.slice"));
  EXPECT_EQ(spec.cgroup_level, 1u);
}

TEST_F(CgroupSpec, SlashPathIsReadRelativeToRoot) {
  FilterSpec spec;
  set_cgroup_spec(spec, "/system.slice/x.service/", root_);
  EXPECT_EQ(spec.cgroup_id, inode_of(root_ + "/system.slice/x.service"));
  EXPECT_EQ(spec.cgroup_level, 2u);
}

TEST_F(CgroupSpec, RootItselfHasLevelZero) {
  FilterSpec spec;
  set_cgroup_spec(spec, "/", root_);
  EXPECT_EQ(spec.cgroup_id, inode_of(root_));
  EXPECT_EQ(spec.cgroup_level, 0u);
}

TEST_F(CgroupSpec, MissingDirectoryIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_cgroup_spec(spec, "/x", root_); }),
            "--cgroup: '/x' is not a cgroup v2 directory under " + root_);
  EXPECT_EQ(spec.cgroup_id, 0u);
}

TEST_F(CgroupSpec, FileIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_cgroup_spec(spec, "cgroup.procs", root_); }),
            "--cgroup: 'cgroup.procs' is not a cgroup v2 directory under " + root_);
}

TEST_F(CgroupSpec, ParentDirectoryIsRejected) {
  FilterSpec spec;
  EXPECT_NE(usage_error([&] { set_cgroup_spec(spec, "system.slice/../..", root_); }), "");
}

TEST(NetnsSpec, PidGivesItsNetworkNamespaceInode) {
  FilterSpec spec;
  set_netns_spec(spec, std::to_string(getpid()));
  EXPECT_EQ(spec.netns, inode_of("/proc/self/ns/net"));
}

TEST(NetnsSpec, NsfsPathGivesItsInode) {
  FilterSpec spec;
  set_netns_spec(spec, "/proc/self/ns/net");
  EXPECT_EQ(spec.netns, inode_of("/proc/self/ns/net"));
}

TEST(NetnsSpec, InodeNumberIsTakenAsIs) {
  FilterSpec spec;
  set_netns_spec(spec, "4026532001");
  EXPECT_EQ(spec.netns, 4026532001u);
}

TEST(NetnsSpec, StaticInitialNamespaceInodeIsAnInode) {
  // Since kernel 6.x init_net has the static inode 0xEFFFFFF9, below 0xF0000000.
  FilterSpec spec;
  set_netns_spec(spec, "4026531833");
  EXPECT_EQ(spec.netns, 4026531833u);
}

TEST(NetnsSpec, NumberThatIsNeitherPidNorInodeIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_netns_spec(spec, "5000000"); }),
            "--netns: '5000000' is neither a pid (1-4194304) nor a namespace inode "
            "(4026531832-4294967295)");
}

TEST(NetnsSpec, MissingProcessIsRejected) {
  FilterSpec spec;
  const std::string message =
      usage_error([&] { set_netns_spec(spec, "4194304", BINDTRACE_FIXTURES_DIR "/proc"); });
  EXPECT_EQ(message, "--netns: '4194304' names no readable process (" BINDTRACE_FIXTURES_DIR
                     "/proc/4194304/ns/net: No such file or directory)");
}

TEST(NetnsSpec, RegularFileIsRejected) {
  FilterSpec spec;
  const std::string file = BINDTRACE_FIXTURES_DIR "/proc/1001/stat";
  EXPECT_EQ(usage_error([&] { set_netns_spec(spec, file); }),
            "--netns: '" + file + "' is not a network namespace file (e.g. /run/netns/NAME)");
}

TEST(NetnsSpec, MissingPathIsRejected) {
  FilterSpec spec;
  EXPECT_EQ(usage_error([&] { set_netns_spec(spec, "/run/netns/none-such"); }),
            "--netns: '/run/netns/none-such' cannot be read (No such file or directory)");
}

TEST(Duration, UnitsScaleToMilliseconds) {
  EXPECT_EQ(parse_duration_ms("--duration", "250ms"), 250u);
  EXPECT_EQ(parse_duration_ms("--duration", "30s"), 30'000u);
  EXPECT_EQ(parse_duration_ms("--duration", "5m"), 300'000u);
  EXPECT_EQ(parse_duration_ms("--duration", "1h"), 3'600'000u);
}

TEST(Duration, PlainNumberIsSeconds) {
  EXPECT_EQ(parse_duration_ms("--duration", "2"), 2'000u);
}

TEST(Duration, GarbageIsRejectedNamingTheOption) {
  EXPECT_EQ(usage_error([] { (void)parse_duration_ms("--grace", "5x"); }),
            "--grace: '5x' is not a duration (e.g. 250ms, 30s, 5m, 1h)");
}

TEST(Duration, MalformedDurationsAreRejected) {
  for (const std::string_view text : {"", "-1", "s", "1.5s", " 5s", "5 s", "5S", "ms5"}) {
    EXPECT_NE(usage_error([&] { (void)parse_duration_ms("--duration", text); }), "") << "'" << text << "'";
  }
}

TEST(Duration, ZeroIsRejected) {
  EXPECT_EQ(usage_error([] { (void)parse_duration_ms("--duration", "0s"); }),
            "--duration: '0s' must be longer than zero");
}

TEST(Duration, OverflowIsRejected) {
  EXPECT_EQ(usage_error([] { (void)parse_duration_ms("--duration", "18446744073709551615h"); }),
            "--duration: '18446744073709551615h' is too long");
  EXPECT_NE(usage_error([] { (void)parse_duration_ms("--duration", "99999999999999999999"); }), "");
}

}  // namespace
}  // namespace bindtrace
