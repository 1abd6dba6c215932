// Reading the agent's rotated event logs back for `dump`: order, torn tails,
// invalid lines, other record kinds, missing and hostile files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bindtrace/dump/log_reader.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;

const std::string kRotated = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/rotated/events.jsonl";
const std::string kHostile = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/hostile/events.jsonl";

struct Read {
  LogReadStats stats;
  std::vector<nlohmann::json> events;
  std::vector<std::string> lines;
  std::vector<nlohmann::json> others;
};

Read read_all(const std::string& path) {
  Read r;
  r.stats = read_event_logs(
      path,
      [&r](const LogRecordView& v) {
        r.events.push_back(v.record);
        r.lines.emplace_back(v.line);
      },
      [&r](const nlohmann::json& other) { r.others.push_back(other); });
  return r;
}

bool has_problem(const LogReadStats& stats, const std::string& text) {
  for (const std::string& p : stats.problems)
    if (p == text) return true;
  return false;
}

class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / ("bt-dump-reader-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
  }
  // Writes `content` to "log" and reads it back.
  [[nodiscard]] Read read_log(const std::string& content) const {
    write("log", content);
    return read_all(file("log"));
  }

 private:
  fs::path path_;
};

const std::string kEvent = R"({"time":"2026-11-22T01:00:00Z","event":"bind_failed","port":8001})";

TEST(DumpLogReader, ReadsRotatedFilesOldestFirst) {
  const Read r = read_all(kRotated);
  ASSERT_EQ(r.stats.files.size(), 3u);
  EXPECT_EQ(r.stats.files[0].path, kRotated + ".2");
  EXPECT_EQ(r.stats.files[1].path, kRotated + ".1");
  EXPECT_EQ(r.stats.files[2].path, kRotated);
  ASSERT_EQ(r.events.size(), 7u);
  for (std::size_t i = 0; i < r.events.size(); ++i) EXPECT_EQ(r.events[i]["seq"], i + 1);
  EXPECT_EQ(r.stats.files_read(), 3u);
  EXPECT_EQ(r.stats.records(), 7u);
}

TEST(DumpLogReader, GivesTheLineAsStoredAndItsTime) {
  std::vector<std::int64_t> times;
  std::string first_line;
  (void)read_event_logs(kRotated, [&](const LogRecordView& v) {
    if (times.empty()) first_line = v.line;
    times.push_back(v.time_ns);
  });
  ASSERT_EQ(times.size(), 7u);
  EXPECT_EQ(times[0], 1'795'309'200LL * 1'000'000'000);
  EXPECT_EQ(times[6] - times[5], 500'000'000);
  EXPECT_EQ(first_line.rfind(R"({"time": "2026-11-22T01:00:00.000000000Z", "event": "bind_failed")", 0), 0u);
}

TEST(DumpLogReader, TornLastRecordIsSkippedCountedAndReported) {
  const Read r = read_all(kRotated);
  EXPECT_TRUE(r.stats.files[2].torn_tail);
  EXPECT_FALSE(r.stats.files[1].torn_tail);
  EXPECT_EQ(r.stats.torn_tails(), 1u);
  EXPECT_TRUE(
      has_problem(r.stats, kRotated + ": torn last record skipped (the writer was killed mid-write)"));
}

TEST(DumpLogReader, UnparsableLinesAreSkippedAndCountedWithTheFirstLineNumber) {
  const Read r = read_all(kRotated);
  // .1: "not json {" (line 2) and "[1,2,3]" (line 5); the current file: a "time" of "yesterday" (line 4).
  EXPECT_EQ(r.stats.files[1].invalid_lines, 2u);
  EXPECT_EQ(r.stats.files[1].first_invalid_line, 2u);
  EXPECT_EQ(r.stats.files[2].invalid_lines, 1u);
  EXPECT_EQ(r.stats.files[2].first_invalid_line, 4u);
  EXPECT_EQ(r.stats.invalid_lines(), 3u);
  EXPECT_TRUE(has_problem(r.stats, kRotated + ".1: 2 unparsable line(s) skipped (the first is line 2)"));
}

TEST(DumpLogReader, OtherRecordKindsArePassedThroughSeparately) {
  const Read r = read_all(kRotated);
  ASSERT_EQ(r.others.size(), 2u);
  EXPECT_EQ(r.others[0]["record"], "hook");
  EXPECT_EQ(r.others[1]["record"], "action");
  EXPECT_EQ(r.stats.other_records(), 2u);
  EXPECT_EQ(r.stats.other_kinds, (std::map<std::string, std::uint64_t>{{"action", 1}, {"hook", 1}}));
}

TEST(DumpLogReader, RecordKeyEventIsAnEvent) {
  ScratchDir dir;
  const Read r = dir.read_log(R"({"record":"event","time":"2026-11-22T01:00:00Z","event":"bind_failed"})"
                              "\n"
                              R"({"record":5,"time":"2026-11-22T01:00:00Z"})"
                              "\n");
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.others.size(), 1u);
  EXPECT_EQ(r.stats.other_kinds.at("(other)"), 1u);
}

TEST(DumpLogReader, OtherKindNamesAreCappedSoHostileLogsCannotGrowTheTable) {
  ScratchDir dir;
  std::string content;
  for (int i = 0; i < 100; ++i) content += R"({"record":"kind)" + std::to_string(i) + "\"}\n";
  const Read r = dir.read_log(content);
  EXPECT_EQ(r.stats.other_records(), 100u);
  EXPECT_EQ(r.stats.other_kinds.size(), kMaxOtherKinds + 1);
  EXPECT_EQ(r.stats.other_kinds.at("(other)"), 100u - kMaxOtherKinds);
}

TEST(DumpLogReader, MissingLogIsAProblemNotAnError) {
  ScratchDir dir;
  const Read r = read_all(dir.file("absent.jsonl"));
  EXPECT_TRUE(r.stats.files.empty());
  EXPECT_EQ(r.stats.files_read(), 0u);
  EXPECT_TRUE(has_problem(r.stats, dir.file("absent.jsonl") + ": no such file"));
}

TEST(DumpLogReader, RotatedFilesAreReadWhenTheCurrentOneIsMissing) {
  ScratchDir dir;
  dir.write("log.1", kEvent + "\n");
  const Read r = read_all(dir.file("log"));
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(has_problem(r.stats, dir.file("log") + ": no such file (reading the rotated files)"));
}

TEST(DumpLogReader, AGapInTheRotatedFilesDoesNotHideOlderOnes) {
  ScratchDir dir;
  dir.write("log", "");
  dir.write("log.1", "");
  dir.write("log.4", "");
  const LogFileSet set = find_log_files(dir.file("log"));
  EXPECT_EQ(set.paths, (std::vector<std::string>{dir.file("log.4"), dir.file("log.1"), dir.file("log")}));
  EXPECT_EQ(set.gaps, (std::vector<std::string>{dir.file("log.2"), dir.file("log.3")}));
  EXPECT_TRUE(has_problem(read_all(dir.file("log")).stats,
                          dir.file("log.2") + ": missing between rotated files (deleted by hand?)"));
}

TEST(DumpLogReader, TheSearchStopsAfterAHundredMissingNumbers) {
  ScratchDir dir;
  dir.write("log.1", "");
  dir.write("log.101", "");  // 99 missing before it: found
  dir.write("log.202", "");  // 100 missing before it: not looked for
  const LogFileSet set = find_log_files(dir.file("log"));
  EXPECT_EQ(set.paths, (std::vector<std::string>{dir.file("log.101"), dir.file("log.1")}));
}

TEST(DumpLogReader, CrLfLinesAndBlankLinesAreFine) {
  ScratchDir dir;
  const Read r = dir.read_log(kEvent + "\r\n\n   \n" + kEvent + "\n");
  EXPECT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.stats.invalid_lines(), 0u);
  EXPECT_EQ(r.lines[0], kEvent);
}

TEST(DumpLogReader, AnOverlongLineIsSkippedAndReadingGoesOn) {
  ScratchDir dir;
  const std::string huge =
      R"({"time":"2026-11-22T01:00:00Z","pad":")" + std::string(2 * kMaxLogLineBytes, 'x') + "\"}";
  const Read r = dir.read_log(huge + "\n" + kEvent + "\n");
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.stats.invalid_lines(), 1u);
  EXPECT_EQ(r.stats.files[0].first_invalid_line, 1u);
}

TEST(DumpLogReader, ALineOfExactlyTheLimitIsRead) {
  ScratchDir dir;
  std::string line = kEvent;
  line.insert(1, kMaxLogLineBytes - line.size(), ' ');
  ASSERT_EQ(line.size(), kMaxLogLineBytes);
  const Read r = dir.read_log(line + "\n" + kEvent + "\n");
  EXPECT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.stats.invalid_lines(), 0u);
}

TEST(DumpLogReader, DeeplyNestedJsonIsRejectedWithoutRecursing) {
  ScratchDir dir;
  const std::string deep =
      R"({"time":"2026-11-22T01:00:00Z","x":)" + std::string(500'000, '[') + std::string(500'000, ']') + "}";
  const std::string brackets_in_a_string =
      R"({"time":"2026-11-22T01:00:00Z","x":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[["})";
  const Read r = dir.read_log(deep + "\n" + brackets_in_a_string + "\n");
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.stats.invalid_lines(), 1u);
}

TEST(DumpLogReader, HostileLinesNeverStopTheReading) {
  const Read r = read_all(kHostile);
  // Raw control bytes and invalid UTF-8 inside strings are not JSON; wrong
  // types are still events (the readers of fields tolerate them).
  EXPECT_EQ(r.events.size(), 5u);
  EXPECT_EQ(r.stats.invalid_lines(), 2u);
  EXPECT_EQ(r.stats.other_records(), 1u);
  for (const std::string& line : r.lines) EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(DumpLogReader, ADirectoryIsReportedNotRead) {
  ScratchDir dir;
  fs::create_directory(dir.file("log"));
  const Read r = read_all(dir.file("log"));
  EXPECT_EQ(r.stats.files_read(), 0u);
  EXPECT_TRUE(has_problem(r.stats, dir.file("log") + ": is a directory, not a log file"));
}

TEST(DumpLogReader, AnEmptyFileIsReadWithNothingInIt) {
  ScratchDir dir;
  const Read r = dir.read_log("");
  EXPECT_EQ(r.stats.files_read(), 1u);
  EXPECT_EQ(r.events.size(), 0u);
  EXPECT_TRUE(r.stats.problems.empty());
}

}  // namespace
}  // namespace bindtrace
