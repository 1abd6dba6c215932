// Every option of every command, fed a bad value: a usage error (exit 2) of
// one line that names the option. Options checked only when the command runs
// (agent --metrics, dump --since, check --from FILE, ...) are fed to the real
// binary in tests/integration/cli_validation_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bindtrace/cli.hpp"
#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

struct BadArgs {
  std::vector<std::string> args;
  std::string names;  // the message must contain this (the option, or "who:" for a positional)
};

std::ostream& operator<<(std::ostream& out, const BadArgs& bad) {
  for (const std::string& a : bad.args) out << "'" << a << "' ";
  return out;
}

const std::string kLongComm(16, 'c');

const std::vector<BadArgs> kBadArgs = {
    // trace (also on the top level)
    {{"--color", "sometimes"}, "--color"},
    {{"--colour", "pink"}, "--color"},
    {{"--json=maybe"}, "--json"},
    {{"--all=banana"}, "--all"},
    {{"--port", "70000"}, "--port"},
    {{"-p", "65536"}, "--port"},
    {{"--port", "9-3"}, "--port"},
    {{"--port", "80,81"}, "--port"},
    {{"--port", ""}, "--port"},
    {{"--port", "-1"}, "--port"},
    {{"--port"}, "--port"},
    {{"--pid", "0"}, "--pid"},
    {{"--pid", "abc"}, "--pid"},
    {{"--pid", "4194305"}, "--pid"},
    {{"--comm", ""}, "--comm"},
    {{"--comm", kLongComm}, "--comm"},
    {{"--errno", "EFOO"}, "--errno"},
    {{"-e", "0"}, "--errno"},
    {{"--errno", "128"}, "--errno"},
    {{"--errno", ""}, "--errno"},
    {{"--cgroup", "/nonexistent/cgroup"}, "--cgroup"},
    {{"--cgroup", ""}, "--cgroup"},
    {{"--netns", "abc"}, "--netns"},
    {{"--netns", "/etc/hostname"}, "--netns"},
    {{"--netns", "0"}, "--netns"},
    {{"--netns", "4194305"}, "--netns"},
    {{"--attach", "ebpf"}, "--attach"},
    {{"--duration", "5x"}, "--duration"},
    {{"-d", "0"}, "--duration"},
    {{"--duration", "-1s"}, "--duration"},
    {{"--duration", "9999999999h"}, "--duration"},
    {{"--duration", "99999999999999999999s"}, "--duration"},
    {{"--max-events", "0"}, "--max-events"},
    {{"-n", "-3"}, "--max-events"},
    {{"--max-events", "1e3"}, "--max-events"},
    {{"--ringbuf-size", "3M"}, "--ringbuf-size"},
    {{"--ringbuf-size", "2K"}, "--ringbuf-size"},
    {{"--ringbuf-size", "2048M"}, "--ringbuf-size"},
    {{"--ringbuf-size", "-4K"}, "--ringbuf-size"},
    {{"--ringbuf-size", "99999999999999999999K"}, "--ringbuf-size"},
    {{"--ringbuf-size", "17592186044416M"}, "--ringbuf-size"},
    {{"--owner-path", "ouija"}, "--owner-path"},
    {{"--btf", "/nonexistent/vmlinux"}, "--btf"},
    {{"--btf", ""}, "--btf"},
    {{"--btf", BINDTRACE_FIXTURES_DIR "/proc/1001/stat"}, "--btf"},
    // the action options (trace and agent)
    {{"--exec", ""}, "--exec"},
    {{"--exec", "   "}, "--exec"},
    {{"--exec-timeout", "soon"}, "--exec-timeout"},
    {{"--exec-timeout", "0"}, "--exec-timeout"},
    {{"--act", "kill"}, "--act"},
    {{"--grace", "x"}, "--grace"},
    {{"--grace", "0s"}, "--grace"},
    {{"--allow-comm", ""}, "--allow-comm"},
    {{"--allow-comm", kLongComm}, "--allow-comm"},
    {{"--allow-unit", ""}, "--allow-unit"},
    {{"--allow-uid", "root"}, "--allow-uid"},
    {{"--allow-uid", "-1"}, "--allow-uid"},
    {{"--allow-uid", "4294967295"}, "--allow-uid"},
    {{"--allow-port", "0"}, "--allow-port"},
    {{"--allow-port", "65536"}, "--allow-port"},
    {{"--allow-port", "http"}, "--allow-port"},
    {{"--rate-limit", "often"}, "--rate-limit"},
    {{"--dry-run=x"}, "--dry-run"},
    {{"--yes=x"}, "--yes"},
    // who and check
    {{"who", "99999"}, "who:"},
    {{"who", "80/sctp"}, "who:"},
    {{"who", "http"}, "who:"},
    {{"check", "5-1"}, "check:"},
    {{"check", "70000"}, "check:"},
    {{"check"}, "check:"},
    {{"check", "--from", ""}, "--from"},
    // agent
    {{"agent", "--config", ""}, "--config"},
    {{"agent", "--log", ""}, "--log"},
    {{"agent", "--pin-dir", ""}, "--pin-dir"},
    {{"agent", "--pin-dir", "/etc"}, "--pin-dir"},
    {{"agent", "--pin-dir", "bpf"}, "--pin-dir"},
    // dump
    {{"dump", "--log", ""}, "--log"},
    {{"dump", "--since", ""}, "--since"},
    {{"dump", "--until", ""}, "--until"},
    {{"dump", "--pin-dir", ""}, "--pin-dir"},
    // unpin: it removes what it finds, so only a bpffs directory of its own
    {{"unpin", "--pin-dir", "/etc"}, "--pin-dir"},
    {{"unpin", "--pin-dir", "/sys/fs/bpf"}, "--pin-dir"},
    {{"unpin", "--pin-dir", "../bpf"}, "--pin-dir"},
    {{"unpin", "--pin-dir", ""}, "--pin-dir"},
    // options of another command, unknown ones, and stray words
    {{"who", "80", "--since", "1h"}, "--since"},
    {{"--metrics", "127.0.0.1:9464"}, "--metrics"},
    {{"unpin", "--json"}, "--json"},
    {{"--frobnicate"}, "--frobnicate"},
    {{"-x"}, "-x"},
    {{"-v=x"}, "-v"},
    {{"trace", "extra"}, "extra"},
    {{"whoo"}, "whoo"},
};

class EveryOption : public ::testing::TestWithParam<BadArgs> {};

TEST_P(EveryOption, ABadValueIsOneUsageErrorLineNamingTheOption) {
  const BadArgs& bad = GetParam();
  try {
    (void)parse_cli(bad.args);
    FAIL() << "accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), ExitCode::usage) << message;
    EXPECT_NE(message.find(bad.names), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind("bindtrace:", 0), std::string::npos) << "run_cli adds the prefix: " << message;
  } catch (const std::exception& e) {
    FAIL() << "not a bindtrace::Error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Cli, EveryOption, ::testing::ValuesIn(kBadArgs));

TEST(CliValidation, TheQuotedValueIsEscapedForTheTerminal) {
  try {
    (void)parse_cli({"--color", "\x1b[2J\a"});
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
    EXPECT_EQ(message.find('\a'), std::string::npos) << message;
    EXPECT_NE(message.find("\\x1b[2J"), std::string::npos) << message;
  }
}

TEST(CliValidation, TheLongestDurationIsTenYears) {
  EXPECT_EQ(parse_cli({"--duration", "87600h"}).trace.duration_ms, 87600ULL * 3'600'000);
  EXPECT_THROW((void)parse_cli({"--duration", "87601h"}), UsageError);
}

TEST(CliValidation, AnOptionOfAnotherCommandSaysWhichCommandsTakeIt) {
  try {
    (void)parse_cli({"info", "--pin-dir", "/sys/fs/bpf/x"});
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--pin-dir: not an option of info (only who, check, agent, dump and unpin take it)");
  }
}

TEST(CliValidation, AnUnknownOptionSuggestsTheNearestOne) {
  try {
    (void)parse_cli({"--duraton", "5s"});
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unknown option '--duraton' (did you mean '--duration'?)");
  }
}

TEST(CliValidation, GoodValuesAtTheEdgesAreAccepted) {
  EXPECT_NO_THROW((void)parse_cli({"--port", "0", "--port", "65535", "--port", "0-65535"}));
  EXPECT_NO_THROW((void)parse_cli({"--pid", "4194304", "--comm", std::string(15, 'c'), "--errno", "127"}));
  EXPECT_NO_THROW((void)parse_cli({"--ringbuf-size", "4K"}));
  EXPECT_NO_THROW((void)parse_cli({"--ringbuf-size", "1024M"}));
  EXPECT_NO_THROW((void)parse_cli({"--allow-uid", "0", "--allow-port", "65535"}));
  EXPECT_NO_THROW((void)parse_cli({"unpin", "--pin-dir", "/sys/fs/bpf/bindtrace-test"}));
}

}  // namespace
}  // namespace bindtrace
