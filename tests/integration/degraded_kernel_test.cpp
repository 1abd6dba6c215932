// The real binary on a degraded kernel or environment, made so for one run
// in a private mount namespace or with dropped capabilities: no kernel BTF
// (a clear exit 3, and --btf FILE instead), tracefs that cannot be mounted
// (said why, and auto picks a tier that needs none), a missing capability
// (exit 3 naming exactly it), a tiny RLIMIT_MEMLOCK (still attaches), and
// the lockdown mode in `info`.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using testing::free_port;
using testing::testprog;

std::string quoted(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += " '" + a + "'";
  return out;
}

// `setup` (shell commands) runs in a private mount namespace, then `argv`.
std::vector<std::string> in_private_mounts(const std::string& setup, const std::vector<std::string>& argv) {
  return {"unshare", "--mount", "--propagation", "private", "sh", "-c", setup + " && exec" + quoted(argv)};
}

std::vector<std::string> bindtrace(std::vector<std::string> args) {
  args.insert(args.begin(), BINDTRACE_BINARY);
  return args;
}

class DegradedKernelTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }

  // A failed bind on a held port, seen by `bt` as one JSON event.
  static void expect_one_failure_traced(Child& bt, std::uint16_t port) {
    auto attached = bt.read_err_line();
    ASSERT_TRUE(attached);
    ASSERT_NE(attached->find("attached"), std::string::npos) << *attached << bt.drain_stderr();
    Child holder(
        {testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
        Child::Options{.pipe_stdin = true});
    ASSERT_TRUE(holder.expect_line("ready"));
    Child fail({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    ASSERT_EQ(fail.wait(), 1);
    auto line = bt.read_line();
    ASSERT_TRUE(line) << bt.drain_stderr();
    const auto event = nlohmann::json::parse(*line);
    EXPECT_EQ(event["process"]["pid"], fail.pid());
    EXPECT_EQ(bt.wait(), 0);
  }
};

TEST_F(DegradedKernelTest, NoKernelBtfExitsThreeNamingTheBtfOption) {
  Child bt(in_private_mounts("mount -t tmpfs none /sys/kernel/btf", bindtrace({"--duration", "1s"})));
  EXPECT_EQ(bt.wait(), 3);
  const std::string err = bt.drain_stderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("this kernel has no BTF"), std::string::npos) << err;
  EXPECT_NE(err.find("--btf FILE"), std::string::npos) << err;
}

TEST_F(DegradedKernelTest, NoKernelBtfButABtfFileTraces) {
  char dir[] = "/tmp/bt-btf-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string btf = std::string(dir) + "/vmlinux.btf";
  fs::copy_file("/sys/kernel/btf/vmlinux", btf);
  const auto port = free_port();
  Child bt(in_private_mounts(
      "mount -t tmpfs none /sys/kernel/btf",
      bindtrace({"--btf", btf, "--json", "--port", std::to_string(port), "--max-events", "1"})));
  expect_one_failure_traced(bt, port);
  fs::remove_all(dir);
}

TEST_F(DegradedKernelTest, TheKernelsOwnBtfGivenAsAFileTraces) {
  const auto port = free_port();
  Child bt(bindtrace(
      {"--btf", "/sys/kernel/btf/vmlinux", "--json", "--port", std::to_string(port), "--max-events", "1"}));
  expect_one_failure_traced(bt, port);
}

// tracefs unmounted and CAP_SYS_ADMIN gone, so it cannot be mounted again.
std::vector<std::string> without_tracefs(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"setpriv", "--inh-caps=-all,+bpf,+perfmon",
                                   "--ambient-caps=-all,+bpf,+perfmon", "--bounding-set=-all,+bpf,+perfmon",
                                   BINDTRACE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return in_private_mounts(
      "{ umount -l /sys/kernel/tracing; umount -l /sys/kernel/debug; true; } 2>/dev/null", argv);
}

TEST_F(DegradedKernelTest, TracefsThatCannotBeMountedIsExplainedForTheTierThatNeedsIt) {
  Child bt(without_tracefs({"--attach", "tracepoint", "--duration", "1s"}));
  EXPECT_EQ(bt.wait(), 3);
  const std::string err = bt.drain_stderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("tracefs is not mounted and mounting it at /sys/kernel/tracing failed"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("CAP_SYS_ADMIN"), std::string::npos) << err;
}

TEST_F(DegradedKernelTest, WithoutTracefsAutoChoosesATierThatNeedsNone) {
  const auto port = free_port();
  Child bt(without_tracefs({"--json", "--port", std::to_string(port), "--max-events", "1"}));
  expect_one_failure_traced(bt, port);
}

TEST_F(DegradedKernelTest, MissingCapPerfmonAloneIsTheOneNamed) {
  Child bt({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all,+bpf",
            "--ambient-caps=-all,+bpf", "--bounding-set=-all,+bpf", BINDTRACE_BINARY, "--duration", "1s"});
  EXPECT_EQ(bt.wait(), 3);
  const std::string err = bt.drain_stderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("tracing needs CAP_PERFMON (or CAP_SYS_ADMIN)"), std::string::npos) << err;
}

TEST_F(DegradedKernelTest, NoCapabilityAtAllNamesBoth) {
  Child bt({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", BINDTRACE_BINARY, "--duration", "1s"});
  EXPECT_EQ(bt.wait(), 3);
  const std::string err = bt.drain_stderr();
  EXPECT_NE(err.find("tracing needs CAP_BPF and CAP_PERFMON"), std::string::npos) << err;
}

TEST_F(DegradedKernelTest, ATinyMemlockLimitDoesNotStopTracing) {
  const auto port = free_port();
  std::vector<std::string> argv = bindtrace({"--json", "--port", std::to_string(port), "--max-events", "1"});
  argv.insert(argv.begin(), {"prlimit", "--memlock=65536:65536"});
  Child bt(argv);
  expect_one_failure_traced(bt, port);
}

// The kernel's lockdown file as each mode writes it, on a tmpfs in a private
// mount namespace: `info` names the bracketed mode and explains only
// confidentiality, the mode that blocks tracing.
TEST_F(DegradedKernelTest, InfoShowsTheLockdownModeAndExplainsOnlyConfidentiality) {
  const struct {
    const char* file;
    const char* mode;
    bool blocks;
  } cases[] = {{"[none] integrity confidentiality", "none", false},
               {"none [integrity] confidentiality", "integrity", false},
               {"none integrity [confidentiality]", "confidentiality", true}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    Child info(in_private_mounts(std::string("mount -t tmpfs none /sys/kernel/security && printf '%s\\n' '") +
                                     c.file + "' > /sys/kernel/security/lockdown",
                                 bindtrace({"info", "--json"})));
    auto line = info.read_line();
    ASSERT_TRUE(line) << info.drain_stderr();
    EXPECT_EQ(info.wait(), 0);
    const auto j = nlohmann::json::parse(*line);
    EXPECT_EQ(j.value("lockdown", ""), c.mode);
    EXPECT_EQ(j.contains("lockdown_blocks_tracing"), c.blocks);
    if (c.blocks) EXPECT_NE(j["lockdown_blocks_tracing"].get<std::string>().find("lockdown=integrity"), std::string::npos);
  }
}

}  // namespace
}  // namespace bindtrace
