// Command-line parsing: defaults, filters, and one-line usage errors.
#include <gtest/gtest.h>

#include "bindtrace/cli.hpp"
#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

CliRequest parse(std::vector<std::string> args) { return parse_cli(args); }

ExitCode usage_code(std::vector<std::string> args, std::string* message = nullptr) {
  try {
    (void)parse_cli(args);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ExitCode::ok;
}

TEST(Cli, NoSubcommandMeansTrace) {
  const CliRequest r = parse({});
  EXPECT_EQ(r.command, Command::trace);
  EXPECT_FALSE(r.json);
  EXPECT_FALSE(r.trace.attach);
}

TEST(Cli, TraceSubcommandAcceptsTheSameOptions) {
  const CliRequest a = parse({"--port", "8001", "--json"});
  const CliRequest b = parse({"trace", "--port", "8001", "--json"});
  EXPECT_EQ(a.command, Command::trace);
  EXPECT_EQ(b.command, Command::trace);
  EXPECT_TRUE(b.json);
  EXPECT_TRUE(b.trace.capture.filter.ports.test(8001));
  EXPECT_EQ(a.trace.capture.filter.ports, b.trace.capture.filter.ports);
}

TEST(Cli, PortsAreRepeatableAndTakeRanges) {
  const CliRequest r = parse({"--port", "80", "--port", "8000-8002"});
  const auto& ports = r.trace.capture.filter.ports;
  EXPECT_EQ(ports.count(), 4u);
  EXPECT_TRUE(ports.test(80));
  EXPECT_TRUE(ports.test(8000));
  EXPECT_TRUE(ports.test(8002));
  EXPECT_FALSE(ports.test(8003));
}

TEST(Cli, ErrnoByNameAndNumber) {
  const CliRequest r = parse({"--errno", "EADDRINUSE", "--errno", "99"});
  EXPECT_TRUE(r.trace.capture.filter.errnos.test(98));
  EXPECT_TRUE(r.trace.capture.filter.errnos.test(99));
  EXPECT_EQ(r.trace.capture.filter.errnos.count(), 2u);
}

TEST(Cli, AttachTierIsParsed) {
  EXPECT_EQ(parse({"--attach", "raw"}).trace.attach, Tier::raw);
  EXPECT_EQ(parse({"--attach", "tracepoint"}).trace.attach, Tier::tracepoint);
  EXPECT_FALSE(parse({"--attach", "auto"}).trace.attach);
}

TEST(Cli, DurationAndMaxEvents) {
  const CliRequest r = parse({"--duration", "30s", "--max-events", "5"});
  EXPECT_EQ(r.trace.duration_ms, 30000u);
  EXPECT_EQ(r.trace.max_events, 5u);
}

TEST(Cli, AllAndBatchAndRingbufSize) {
  const CliRequest r = parse({"--all", "--batch", "--ringbuf-size", "16M"});
  EXPECT_TRUE(r.trace.capture.filter.all_binds);
  EXPECT_TRUE(r.trace.capture.batched);
  EXPECT_EQ(r.trace.capture.ringbuf_bytes, 16u << 20);
}

TEST(Cli, InfoSubcommand) { EXPECT_EQ(parse({"info"}).command, Command::info); }

TEST(Cli, HelpIsEarlyOutput) {
  const CliRequest r = parse({"--help"});
  ASSERT_TRUE(r.early_output);
  EXPECT_NE(r.early_output->find("--port"), std::string::npos);
}

// Every subcommand's help reads as text: no default value in braces after a flag.
TEST(Cli, HelpShowsNoFlagDefaultsInBraces) {
  for (const char* command : {"trace", "agent", "who", "check", "dump", "info", "unpin"}) {
    const CliRequest r = parse({command, "--help"});
    ASSERT_TRUE(r.early_output) << command;
    EXPECT_EQ(r.early_output->find("{false}"), std::string::npos) << command << "\n" << *r.early_output;
    EXPECT_EQ(r.early_output->find("{true}"), std::string::npos) << command << "\n" << *r.early_output;
  }
  const CliRequest top = parse({"--help"});
  ASSERT_TRUE(top.early_output);
  EXPECT_NE(top.early_output->find("  --no-owner  "), std::string::npos) << *top.early_output;
}

TEST(Cli, NoOwnerAndNoRecorderSwitchTheirPartOff) {
  EXPECT_TRUE(parse({}).resolve_owner);
  EXPECT_FALSE(parse({"--no-owner"}).resolve_owner);
  EXPECT_TRUE(parse({"dump"}).dump.recorder);
  EXPECT_FALSE(parse({"dump", "--no-recorder"}).dump.recorder);
}

TEST(Cli, BadPortIsAUsageErrorNamingTheOption) {
  std::string message;
  EXPECT_EQ(usage_code({"--port", "70000"}, &message), ExitCode::usage);
  EXPECT_NE(message.find("--port"), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Cli, BadTierIsAUsageError) { EXPECT_EQ(usage_code({"--attach", "ebpf"}), ExitCode::usage); }
TEST(Cli, BadErrnoIsAUsageError) { EXPECT_EQ(usage_code({"--errno", "EFOO"}), ExitCode::usage); }
TEST(Cli, BadMaxEventsIsAUsageError) { EXPECT_EQ(usage_code({"--max-events", "-3"}), ExitCode::usage); }
TEST(Cli, BadRingbufSizeIsAUsageError) { EXPECT_EQ(usage_code({"--ringbuf-size", "3M"}), ExitCode::usage); }
TEST(Cli, UnknownOptionIsAUsageError) { EXPECT_EQ(usage_code({"--frobnicate"}), ExitCode::usage); }

TEST(Cli, UnknownSubcommandSuggestsTheNearest) {
  std::string message;
  EXPECT_EQ(usage_code({"trcae"}, &message), ExitCode::usage);
  EXPECT_NE(message.find("trace"), std::string::npos);
}

}  // namespace
}  // namespace bindtrace

namespace bindtrace {
namespace {

TEST(CliWho, PortsAreParsedAndBarePortsMeanBothProtocols) {
  const CliRequest r = parse_cli({"who", "8001", "53/udp", "--json"});
  EXPECT_EQ(r.command, Command::who);
  ASSERT_EQ(r.ports.size(), 2u);
  EXPECT_EQ(r.ports[0].port, 8001);
  EXPECT_TRUE(r.ports_any_proto[0]);
  EXPECT_EQ(r.ports[1].proto, Proto::udp);
  EXPECT_FALSE(r.ports_any_proto[1]);
  EXPECT_TRUE(r.json);
}

TEST(CliWho, NoPortsListsEverything) {
  const CliRequest r = parse_cli({"who"});
  EXPECT_EQ(r.command, Command::who);
  EXPECT_TRUE(r.ports.empty());
}

TEST(CliWho, BadPortIsAUsageError) { EXPECT_THROW((void)parse_cli({"who", "99999"}), UsageError); }

TEST(CliCheck, RangesAndFrom) {
  const CliRequest r = parse_cli({"check", "8000-8001", "--from", "compose.yml"});
  EXPECT_EQ(r.command, Command::check);
  EXPECT_EQ(r.ports.size(), 2u);
  EXPECT_EQ(r.from_file, "compose.yml");
}

TEST(CliCheck, NothingToCheckIsAUsageError) { EXPECT_THROW((void)parse_cli({"check"}), UsageError); }

}  // namespace
}  // namespace bindtrace

namespace bindtrace {
namespace {

std::string unknown_command_message(const std::string& word) {
  try {
    (void)parse_cli({word});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(CliUnknownCommand, TheNearestByEditDistanceIsSuggested) {
  EXPECT_EQ(unknown_command_message("whoo"),
            "unknown command 'whoo' (did you mean 'who'?); commands: trace, info, who, check, agent, dump, unpin, audit");
  EXPECT_NE(unknown_command_message("ifno").find("(did you mean 'info'?)"), std::string::npos);
  EXPECT_NE(unknown_command_message("chekc").find("(did you mean 'check'?)"), std::string::npos);
  EXPECT_NE(unknown_command_message("agnet").find("(did you mean 'agent'?)"), std::string::npos);
  EXPECT_NE(unknown_command_message("dmp").find("(did you mean 'dump'?)"), std::string::npos);
  EXPECT_NE(unknown_command_message("unpni").find("(did you mean 'unpin'?)"), std::string::npos);
  EXPECT_NE(unknown_command_message("tracer").find("(did you mean 'trace'?)"), std::string::npos);
}

TEST(CliUnknownCommand, AUniquePrefixIsSuggested) {
  EXPECT_NE(unknown_command_message("t").find("(did you mean 'trace'?)"), std::string::npos);
}

TEST(CliUnknownCommand, AWordNearNothingGetsNoSuggestion) {
  const std::string message = unknown_command_message("frobnicate");
  EXPECT_EQ(message, "unknown command 'frobnicate'; commands: trace, info, who, check, agent, dump, unpin, audit");
  EXPECT_EQ(unknown_command_message("foo").find("did you mean"), std::string::npos);
}

TEST(CliUnknownCommand, TheWordIsEscapedForTheTerminal) {
  const std::string message = unknown_command_message("\x1b[2Jwho");
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("\\x1b[2Jwho"), std::string::npos) << message;
}

}  // namespace
}  // namespace bindtrace
