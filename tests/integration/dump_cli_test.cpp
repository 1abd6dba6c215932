// The built `bindtrace dump` run as a user would, on log directories: JSON
// lines, the --since/--port selection, the summary, and the exit codes.
// (The agent + flight recorder end-to-end test lives beside the agent's.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace bindtrace {
namespace {

using testing::Child;

const std::string kRotated = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/rotated/events.jsonl";
const std::string kHostile = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/hostile/events.jsonl";
// No flight recorder is pinned here, whatever the host runs.
const std::string kNoPins = "/nonexistent/bindtrace-dump-test-pins";

struct DumpRun {
  int status = -1;
  std::vector<std::string> out;
  std::string err;
};

DumpRun dump(std::vector<std::string> args) {
  args.insert(args.begin(), {BINDTRACE_BINARY, "dump"});
  Child child(args);
  DumpRun run;
  while (auto line = child.read_line()) run.out.push_back(*line);
  run.status = child.wait();
  run.err = child.drain_stderr();
  return run;
}

std::vector<nlohmann::json> parsed(const DumpRun& run) {
  std::vector<nlohmann::json> events;
  for (const std::string& line : run.out)
    events.push_back(nlohmann::json::parse(line));  // throws: test fails
  return events;
}

std::vector<int> seqs(const std::vector<nlohmann::json>& events) {
  std::vector<int> out;
  for (const auto& e : events) out.push_back(e.value("seq", 0));
  return out;
}

TEST(DumpCli, JsonIsOneEventPerLineOldestFirst) {
  const DumpRun run = dump({"--log", kRotated, "--json", "--pin-dir", kNoPins});
  ASSERT_EQ(run.status, 0) << run.err;
  const auto events = parsed(run);
  EXPECT_EQ(seqs(events), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(events[0]["process"]["service"]["name"], "backend:backend");
  EXPECT_EQ(run.out[0].rfind(R"({"time": "2026-11-22T01:00:00.000000000Z", "event": "bind_failed")", 0), 0u)
      << "printed as stored";
}

TEST(DumpCli, StderrSaysWhatWasReadAndWhatWasSkipped) {
  const DumpRun run = dump({"--log", kRotated, "--json", "--no-recorder"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(
      run.err.find("dump: " + kRotated + ": torn last record skipped (the writer was killed mid-write)\n"),
      std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(
                "dump: 3 files, 7 records (1 torn tail skipped, 3 invalid lines skipped, 2 other records), "
                "recorder: not read (--no-recorder)\n"),
            std::string::npos)
      << run.err;
}

TEST(DumpCli, SinceAndPortSelect) {
  const DumpRun run = dump({"--log", kRotated, "--json", "--pin-dir", kNoPins, "--since",
                            "2026-11-22T01:05:00Z", "--port", "8001"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(seqs(parsed(run)), (std::vector<int>{4, 6}));
}

TEST(DumpCli, UntilAndAPortRangeSelect) {
  const DumpRun run = dump({"--log", kRotated, "--json", "--pin-dir", kNoPins, "--until", "2026-11-22 01:15",
                            "--port", "50-8001"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(seqs(parsed(run)), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(DumpCli, HostileLinesComeOutAsValidJsonWithoutRawControlBytes) {
  const DumpRun run = dump({"--log", kHostile, "--json", "--no-recorder"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(parsed(run).size(), 5u);
  for (const std::string& line : run.out)
    for (const char c : line) ASSERT_GE(static_cast<unsigned char>(c), 0x20) << line;
}

TEST(DumpCli, TextModePrintsTheSummary) {
  const DumpRun run = dump({"--log", kRotated, "--pin-dir", kNoPins});
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_FALSE(run.out.empty());
  EXPECT_EQ(run.out[0], "bindtrace dump (times in UTC)");
  EXPECT_NE(
      std::find(run.out.begin(), run.out.end(), "       5  bind_failed    EADDRINUSE     tcp 0.0.0.0:8001"),
      run.out.end());
}

TEST(DumpCli, ABadSinceIsAUsageErrorOnOneLineNamingSince) {
  const DumpRun run = dump({"--log", kRotated, "--since", "last tuesday"});
  EXPECT_EQ(run.status, 2);
  EXPECT_TRUE(run.out.empty());
  EXPECT_EQ(run.err, "bindtrace: --since: 'last tuesday' is not a time (10m, 2h, 2026-11-22T01:00:00Z)\n");
}

TEST(DumpCli, UntilBeforeSinceIsAUsageError) {
  const DumpRun run = dump({"--log", kRotated, "--since", "10m", "--until", "1h"});
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "bindtrace: --until: '1h' is before --since '10m'\n");
}

TEST(DumpCli, NoLogAndNoRecorderExitsOne) {
  const std::string missing = "/nonexistent/bindtrace-dump-test/events.jsonl";
  const DumpRun run = dump({"--log", missing, "--pin-dir", kNoPins});
  EXPECT_EQ(run.status, 1);
  EXPECT_TRUE(run.out.empty());
  EXPECT_NE(run.err.find("bindtrace: no event log at " + missing + " and no flight recorder at " + kNoPins),
            std::string::npos)
      << run.err;
}

TEST(DumpCli, AnEmptyLogIsNotAnError) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("bt-dump-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/events.jsonl").close();
  const DumpRun run = dump({"--log", dir + "/events.jsonl", "--json", "--no-recorder"});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(run.out.empty());
  EXPECT_NE(run.err.find("dump: 1 file, 0 records, recorder: not read (--no-recorder)"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace bindtrace
