// The options checked only when a command runs, fed bad values through the
// real binary: exit 2, one line on stderr naming the option (or the file),
// nothing on stdout, and nothing done (no attach, no pin, no file removed).
// The options checked while parsing are in tests/unit/cli_validation_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::Child;

struct Run {
  int status = -1;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), BINDTRACE_BINARY);
  Child child(args);
  Run r;
  while (auto line = child.read_line()) r.out += *line + "\n";
  r.status = child.wait();
  r.err = child.drain_stderr();
  return r;
}

// Exit 2, one line "bindtrace: ..." naming `names`, nothing on stdout.
void expect_usage_error(const std::vector<std::string>& args, const std::string& names) {
  std::string shown;
  for (const std::string& a : args) shown += "'" + a + "' ";
  const Run r = run(args);
  EXPECT_EQ(r.status, 2) << shown << r.err;
  EXPECT_EQ(r.err.rfind("bindtrace: ", 0), 0u) << shown << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << shown << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << shown << r.err;
  EXPECT_EQ(r.out, "") << shown;
}

class CliValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/bt-cli-validation-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string file(const std::string& name, const std::string& content) const {
    const fs::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }
  fs::path dir_;
};

TEST_F(CliValidationTest, AgentMetricsAddressIsCheckedBeforeAnythingIsPinned) {
  const std::string pins = "/sys/fs/bpf/bt-cli-validation-" + std::to_string(::getpid());
  for (const std::string bad : {"foo", "127.0.0.1:99999", "127.0.0.1:", "[::1", "localhost:http", ""})
    expect_usage_error({"agent", "--metrics", bad, "--pin-dir", pins}, "--metrics");
  EXPECT_FALSE(fs::exists(pins)) << "the agent attached before rejecting its options";
}

TEST_F(CliValidationTest, AgentConfigThatCannotBeReadOrParsedNamesTheFile) {
  const std::string pins = "/sys/fs/bpf/bt-cli-validation-" + std::to_string(::getpid());
  const std::string missing = (dir_ / "missing.toml").string();
  expect_usage_error({"agent", "--config", missing, "--pin-dir", pins}, missing);
  const std::string garbage = file("garbage.toml", "this is = = not toml\n");
  expect_usage_error({"agent", "--config", garbage, "--pin-dir", pins}, garbage);
  EXPECT_FALSE(fs::exists(pins));
}

TEST_F(CliValidationTest, DumpTimesAreCheckedBeforeReading) {
  const std::string log = file("events.jsonl", "");
  for (const std::string bad : {"5x", "-1h", "yesterday-ish", "2026-13-45T00:00:00Z", "99999999999d"}) {
    expect_usage_error({"dump", "--log", log, "--no-recorder", "--since", bad}, "--since");
    expect_usage_error({"dump", "--log", log, "--no-recorder", "--until", bad}, "--until");
  }
  expect_usage_error({"dump", "--log", log, "--no-recorder", "--since", "1h", "--until", "2h"}, "--until");
}

TEST_F(CliValidationTest, CheckFromAFileThatCannotBeReadOrHasNoPorts) {
  expect_usage_error({"check", "--from", (dir_ / "missing.env").string()}, "--from");
  expect_usage_error({"check", "--from", file("empty.env", "NAME=web\n")}, "--from");
  expect_usage_error({"check", "--from", dir_.string()}, "--from");
  expect_usage_error({"check", "--from", "/dev/zero"}, "--from");  // endless: refused, not read forever
}

TEST_F(CliValidationTest, BtfFileIsCheckedBeforeLoading) {
  expect_usage_error({"--btf", (dir_ / "missing.btf").string(), "--duration", "1s"}, "--btf");
  expect_usage_error({"--btf", file("not.btf", "not BTF at all"), "--duration", "1s"}, "--btf");
  expect_usage_error({"info", "--btf", file("empty.btf", "")}, "--btf");
  expect_usage_error({"--btf", "/dev/zero", "--duration", "1s"}, "--btf");
}

TEST_F(CliValidationTest, UnpinRefusesADirectoryOutsideBpffsAndRemovesNothing) {
  const std::string precious = file("precious", "keep me");
  expect_usage_error({"unpin", "--pin-dir", dir_.string()}, "--pin-dir");
  EXPECT_TRUE(fs::exists(precious)) << "unpin removed a file outside bpffs";
}

TEST_F(CliValidationTest, AgentRefusesAPinDirectoryOutsideBpffs) {
  expect_usage_error({"agent", "--pin-dir", dir_.string(), "--metrics", "off"}, "--pin-dir");
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(CliValidationTest, UnknownCommandSuggestsTheNearest) {
  expect_usage_error({"whoo"}, "unknown command 'whoo' (did you mean 'who'?)");
}

TEST_F(CliValidationTest, AnOptionOfAnotherCommandIsNamed) {
  expect_usage_error({"who", "80", "--since", "1h"}, "--since: not an option of who");
}

}  // namespace
}  // namespace bindtrace
