// Degraded kernels and environments, decided without one: lockdown from the
// securityfs file's content, the no-BTF sentence, --btf FILE, RLIMIT_MEMLOCK,
// and which pin directories agent and unpin may fill and empty.
#include "bindtrace/capture/kernel_env.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <functional>
#include <string>

#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Lockdown, TheBracketedModeIsInForce) {
  EXPECT_EQ(parse_lockdown("[none] integrity confidentiality\n"), "none");
  EXPECT_EQ(parse_lockdown("none [integrity] confidentiality\n"), "integrity");
  EXPECT_EQ(parse_lockdown("none integrity [confidentiality]\n"), "confidentiality");
}

TEST(Lockdown, UnreadableOrUnmarkedContentIsUnknown) {
  EXPECT_EQ(parse_lockdown(""), "");
  EXPECT_EQ(parse_lockdown("none integrity confidentiality"), "");
  EXPECT_EQ(parse_lockdown("none [integrity"), "");
}

TEST(Lockdown, ConfidentialityIsExplainedWithWhatItBlocksAndTheWayOut) {
  const std::string why = lockdown_explanation("confidentiality");
  EXPECT_NE(why.find("confidentiality"), std::string::npos);
  EXPECT_NE(why.find("bpf_probe_read_kernel"), std::string::npos);
  EXPECT_NE(why.find("lockdown=integrity"), std::string::npos);
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

TEST(Lockdown, NoneAndIntegrityLeaveTracingAlone) {
  EXPECT_EQ(lockdown_explanation("none"), "");
  EXPECT_EQ(lockdown_explanation("integrity"), "");
  EXPECT_EQ(lockdown_explanation(""), "");
}

TEST(MissingBtf, AKernelWithoutBtfAndNoBtfFileNamesTheOptionAndTheKernel) {
  KernelFacts facts;
  facts.btf = false;
  facts.release = "4.19.0-27-amd64";
  const auto message = missing_btf_message(facts, "");
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("--btf FILE"), std::string::npos);
  EXPECT_NE(message->find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);
  EXPECT_NE(message->find("4.19.0-27-amd64"), std::string::npos);
}

TEST(MissingBtf, AnExternalBtfFileOrTheKernelsOwnIsEnough) {
  KernelFacts without;
  without.btf = false;
  EXPECT_FALSE(missing_btf_message(without, "/var/lib/btf/4.19.btf"));
  KernelFacts with;
  with.btf = true;
  EXPECT_FALSE(missing_btf_message(with, ""));
}

TEST(BtfFile, AMissingFileIsAUsageErrorNamingTheOption) {
  EXPECT_EQ(usage_error([] { check_btf_file("/nonexistent/vmlinux.btf"); }),
            "--btf: '/nonexistent/vmlinux.btf' cannot be read (No such file or directory)");
}

TEST(BtfFile, AFileThatIsNotBtfIsAUsageErrorOnOneLine) {
  const std::string message = usage_error([] { check_btf_file(BINDTRACE_FIXTURES_DIR "/proc/1001/stat"); });
  EXPECT_EQ(message.rfind("--btf: '", 0), 0u) << message;
  EXPECT_NE(message.find("is not a BTF file"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(BtfFile, ADeviceOrAHugeFileIsRefusedBeforeLibbpfReadsIt) {
  // libbpf would read /dev/zero forever.
  EXPECT_NE(usage_error([] { check_btf_file("/dev/zero"); }).find("is not a BTF file"), std::string::npos);
  EXPECT_NE(usage_error([] { check_btf_file("/proc/kcore"); }), "");
}

TEST(BtfFile, TheKernelsOwnBtfIsAccepted) {
  if (!probe_kernel_facts().btf) GTEST_SKIP() << "this kernel has no /sys/kernel/btf/vmlinux";
  EXPECT_EQ(usage_error([] { check_btf_file("/sys/kernel/btf/vmlinux"); }), "");
}

// Restores RLIMIT_MEMLOCK after a test lowered it.
class MemlockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &saved_), 0); }
  void TearDown() override { ::setrlimit(RLIMIT_MEMLOCK, &saved_); }
  rlimit saved_{};
};

TEST_F(MemlockTest, ALowSoftLimitIsRaised) {
  constexpr rlim_t kTiny = 64 << 10;
  if (saved_.rlim_max != RLIM_INFINITY && saved_.rlim_max <= kTiny)
    GTEST_SKIP() << "the hard limit is already at most 64 KiB";
  rlimit tiny = saved_;
  tiny.rlim_cur = kTiny;
  ASSERT_EQ(::setrlimit(RLIMIT_MEMLOCK, &tiny), 0);

  const std::uint64_t reported = raise_memlock_rlimit();
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &now), 0);
  EXPECT_GT(now.rlim_cur, kTiny);
  // Infinity with CAP_SYS_RESOURCE, the hard limit without.
  EXPECT_TRUE(now.rlim_cur == RLIM_INFINITY || now.rlim_cur == now.rlim_max);
  EXPECT_EQ(reported, now.rlim_cur);
}

TEST_F(MemlockTest, NoLimitStaysNoLimit) {
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0)  // the fixture restores the limit
    GTEST_SKIP() << "RLIMIT_MEMLOCK cannot be lifted without CAP_SYS_RESOURCE";
  EXPECT_EQ(raise_memlock_rlimit(), RLIM_INFINITY);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &now), 0);
  EXPECT_EQ(now.rlim_cur, RLIM_INFINITY);
}

TEST(PinDir, AnEmptyOrRelativePathIsRefused) {
  EXPECT_EQ(usage_error([] { check_pin_dir("--pin-dir", ""); }), "--pin-dir: the path is empty");
  EXPECT_EQ(usage_error([] { check_pin_dir("--pin-dir", "bpf/bindtrace"); }),
            "--pin-dir: 'bpf/bindtrace' is not an absolute path");
}

TEST(PinDir, ADirectoryOutsideBpffsIsRefusedSoUnpinCannotEmptyIt) {
  const std::string message = usage_error([] { check_pin_dir("--pin-dir", "/etc"); });
  EXPECT_EQ(message,
            "--pin-dir: '/etc' is not on a bpf filesystem (pins live on bpffs, e.g. /sys/fs/bpf/bindtrace)");
  EXPECT_NE(usage_error([] { check_pin_dir("--pin-dir", "/tmp/not-yet-there/pins"); }), "");
}

TEST(PinDir, DotDotCannotLeaveBpffs) {
  EXPECT_NE(usage_error([] { check_pin_dir("--pin-dir", "/sys/fs/bpf/../../../etc"); }), "");
}

TEST(PinDir, TheRootOfBpffsIsRefusedBecauseOtherProgramsPinThere) {
  const std::string message = usage_error([] { check_pin_dir("--pin-dir", "/sys/fs/bpf/"); });
  EXPECT_NE(message.find("is the root of a bpf filesystem"), std::string::npos) << message;
}

TEST(PinDir, ADirectoryBelowSysFsBpfIsAccepted) {
  // Whether bpffs is mounted there or not: the tracer mounts it on demand.
  EXPECT_EQ(usage_error([] { check_pin_dir("--pin-dir", "/sys/fs/bpf/bindtrace"); }), "");
  EXPECT_EQ(usage_error([] { check_pin_dir("--pin-dir", "/sys/fs/bpf/a/b/"); }), "");
}

TEST(PinDir, ControlCharactersInTheRefusedPathAreEscaped) {
  const std::string message = usage_error([] { check_pin_dir("--pin-dir", "/tmp/\x1b[2J"); });
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("\\x1b[2J"), std::string::npos) << message;
}

}  // namespace
}  // namespace bindtrace
