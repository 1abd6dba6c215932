// The text report of `dump`: the sources line, top endpoints and owners,
// diagnoses, the timeline, and hostile record strings kept off the terminal.
#include <gtest/gtest.h>

#include <sstream>

#include "bindtrace/dump/summary.hpp"

namespace bindtrace {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kOneAm = 1'795'309'200 * kSecond;  // 2026-11-22T01:00:00Z

const std::string kRotated = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/rotated/events.jsonl";
const std::string kHostile = std::string(BINDTRACE_FIXTURES_DIR) + "/dump/hostile/events.jsonl";

struct Fixture {
  DumpSources sources;
  DumpSummary summary;
};

Fixture summarize(const std::string& path) {
  Fixture f;
  f.sources.recorder_wanted = false;
  f.sources.logs =
      read_event_logs(path, [&f](const LogRecordView& v) { f.summary.add(v.record, v.time_ns); });
  return f;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const std::string& l : lines_of(text))
    if (l == line) return true;
  return false;
}

// The lines after `heading` up to the next blank line.
std::vector<std::string> section(const std::string& text, const std::string& heading) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& line : lines_of(text)) {
    if (in && line.empty()) break;
    if (in) out.push_back(line);
    if (line.rfind(heading, 0) == 0) in = true;
  }
  return out;
}

LogFileStats file(std::uint64_t records, bool torn = false) {
  LogFileStats f;
  f.path = "/var/log/bindtrace/events.jsonl";
  f.opened = true;
  f.records = records;
  f.torn_tail = torn;
  return f;
}

TEST(DumpSummary, SourcesLineSaysWhatWasReadAndSkipped) {
  DumpSources s;
  s.logs.files = {file(400), file(400), file(404, true)};
  s.recorder.present = true;
  s.recorder.read = 512;
  s.recorder_not_in_log = 40;
  EXPECT_EQ(describe_sources(s),
            "3 files, 1204 records (1 torn tail skipped), recorder: 512 events (40 not in the log)");
}

TEST(DumpSummary, SourcesLineCountsEveryKindOfLoss) {
  DumpSources s;
  s.logs.files = {file(1)};
  s.logs.files[0].invalid_lines = 2;
  s.logs.files[0].other_records = 1;
  s.repeated_log_records = 3;
  s.recorder.present = true;
  s.recorder.read = 1;
  s.recorder.overwritten = 9;
  s.recorder.undecodable = 4;
  EXPECT_EQ(describe_sources(s),
            "1 file, 1 record (2 invalid lines skipped, 1 other record, 3 repeated records dropped), "
            "recorder: 1 event "
            "(0 not in the log, 9 overwritten before they were read, 4 undecodable)");
}

TEST(DumpSummary, SourcesLineSaysWhyThereIsNoRecorder) {
  DumpSources s;
  s.recorder.error = "no flight recorder pinned at /sys/fs/bpf/bindtrace";
  EXPECT_EQ(describe_sources(s),
            "no log file, recorder: none (no flight recorder pinned at /sys/fs/bpf/bindtrace)");
  s.recorder_wanted = false;
  EXPECT_EQ(describe_sources(s), "no log file, recorder: not read (--no-recorder)");
}

TEST(DumpSummary, SourcesLineSaysWhyAPinnedRecorderWasNotRead) {
  DumpSources s;
  s.recorder.present = true;
  s.recorder.error =
      "the flight recorder at /sys/fs/bpf/bindtrace was written with ABI 1; this bindtrace reads ABI 2";
  EXPECT_EQ(describe_sources(s),
            "no log file, recorder: unreadable (the flight recorder at /sys/fs/bpf/bindtrace "
            "was written with ABI 1; this bindtrace reads ABI 2)");
}

TEST(DumpSummary, HeaderNamesEachFileAndTheSpan) {
  const Fixture f = summarize(kRotated);
  const std::string text = f.summary.render(f.sources);
  EXPECT_EQ(lines_of(text)[0], "bindtrace dump (times in UTC)");
  EXPECT_TRUE(
      has_line(text,
               "  read      3 files, 7 records (1 torn tail skipped, 3 invalid lines skipped, 2 other "
               "records), recorder: not read (--no-recorder)"))
      << text;
  EXPECT_TRUE(has_line(text, "  files     " + kRotated + ".2  3 records")) << text;
  EXPECT_TRUE(
      has_line(text, "            " + kRotated + "  2 records (torn tail, 1 invalid line, 1 other record)"))
      << text;
  EXPECT_TRUE(has_line(text, "  other     action 1, hook 1")) << text;
  EXPECT_TRUE(has_line(text, "  events    7 from 2026-11-22 01:00:00 to 2026-11-22 01:20:00 (20m)")) << text;
}

TEST(DumpSummary, TopEndpointsAreCountedAndSortedByCount) {
  const Fixture f = summarize(kRotated);
  EXPECT_EQ(section(f.summary.render(f.sources), "Top endpoints"),
            (std::vector<std::string>{"   count  event          error          endpoint",
                                      "       5  bind_failed    EADDRINUSE     tcp 0.0.0.0:8001",
                                      "       1  bind_failed    EACCES         udp 0.0.0.0:53",
                                      "       1  bind_failed    EADDRINUSE     tcp [::]:8002"}));
}

TEST(DumpSummary, TopOwnersNameTheHolderAndItsService) {
  const Fixture f = summarize(kRotated);
  EXPECT_EQ(
      section(f.summary.render(f.sources), "Top owners"),
      (std::vector<std::string>{"   count  owner                          service",
                                "       5  uvicorn (pid 991)              systemd connexa-backend.service",
                                "       1  [time_wait]                    -"}));
}

TEST(DumpSummary, DiagnosesAreCountedWithRestartLoops) {
  const Fixture f = summarize(kRotated);
  EXPECT_EQ(section(f.summary.render(f.sources), "Diagnoses"),
            (std::vector<std::string>{"       5  duplicate_manager", "       1  privileged_port",
                                      "       1  time_wait", "       1  (restart loop flagged)"}));
}

TEST(DumpSummary, TimelineRowsAreRoundBucketsWithBarsScaledToTheBusiest) {
  const Fixture f = summarize(kRotated);
  const std::string text = f.summary.render(f.sources);
  const auto rows = section(text, "Timeline (1m per row)");
  ASSERT_EQ(rows.size(), 21u) << text;  // 01:00 .. 01:20
  EXPECT_EQ(rows[0], "  2026-11-22 01:00:00  " + std::string(40, '#') + " 3");
  EXPECT_EQ(rows[1], "  2026-11-22 01:01:00  " + std::string(40, ' ') + " 0");
  EXPECT_EQ(rows[5], "  2026-11-22 01:05:00  " + std::string(14, '#') + std::string(26, ' ') + " 1");
  EXPECT_EQ(rows[20], "  2026-11-22 01:20:00  " + std::string(27, '#') + std::string(13, ' ') + " 2");
}

TEST(DumpSummary, ShortSpansGetMillisecondBuckets) {
  DumpSummary summary;
  summary.add(nlohmann::json::object(), kOneAm);
  summary.add(nlohmann::json::object(), kOneAm + 30'000'000);
  const std::string text = summary.render(DumpSources{});
  const auto rows = section(text, "Timeline (1ms per row)");
  ASSERT_EQ(rows.size(), 31u) << text;
  EXPECT_EQ(rows[30].substr(0, 25), "  2026-11-22 01:00:00.030");
}

TEST(DumpSummary, BucketsAreRoundAndFitFortyRows) {
  const std::int64_t day = 1440 * kMinute;
  EXPECT_EQ(timeline_bucket_ns(0), 1'000'000);
  EXPECT_EQ(timeline_bucket_ns(10 * kSecond), 500'000'000);
  EXPECT_EQ(timeline_bucket_ns(20 * kMinute), kMinute);
  EXPECT_EQ(timeline_bucket_ns(2 * 60 * kMinute), 5 * kMinute);
  EXPECT_EQ(timeline_bucket_ns(3 * day), 2 * 60 * kMinute);
  EXPECT_EQ(timeline_bucket_ns(365 * day), 10 * day);
  for (std::uint64_t span :
       {0ull, 1ull, 999'999ull, 38'000'001ull, 3'600'000'000'123ull, 1ull << 62, ~0ull}) {
    const auto step = static_cast<std::uint64_t>(timeline_bucket_ns(span));
    EXPECT_LE(span / step + 2, 40u) << span;
  }
}

TEST(DumpSummary, SpansReadAsUnits) {
  EXPECT_EQ(format_span(0), "0ms");
  EXPECT_EQ(format_span(250'000'000), "250ms");
  EXPECT_EQ(format_span(90 * kSecond), "1m30s");
  EXPECT_EQ(format_span(2 * 3600 * kSecond + 12 * kMinute + 40 * kSecond), "2h12m40s");
  EXPECT_EQ(format_span(86'400 * kSecond + 3 * 3600 * kSecond), "1d3h");
}

TEST(DumpSummary, CenturiesApartDoNotOverflowTheTimeline) {
  DumpSummary summary;
  summary.add(nlohmann::json::object(), std::numeric_limits<std::int64_t>::min());
  summary.add(nlohmann::json::object(), std::numeric_limits<std::int64_t>::max());
  const auto rows = section(summary.render(DumpSources{}), "Timeline");
  EXPECT_GE(rows.size(), 2u);
  EXPECT_LE(rows.size(), 40u);
}

TEST(DumpSummary, HostileRecordStringsAreEscaped) {
  const Fixture f = summarize(kHostile);
  const std::string text = f.summary.render(f.sources);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    ASSERT_TRUE(byte >= 0x20 || c == '\n') << "control byte " << int{byte} << " in\n" << text;
    ASSERT_NE(byte, 0x7f);
  }
  EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << "a raw bidi override";
  EXPECT_EQ(text.find("\xc2\x85"), std::string::npos) << "a raw C1 control";
  EXPECT_NE(text.find("bind_failed\\x1b[2J"), std::string::npos) << text;
  EXPECT_NE(text.find("holder\\x1b[5m"), std::string::npos) << text;
  EXPECT_NE(text.find("unix /run/\\x1b[2Jevil.sock"), std::string::npos) << text;
  EXPECT_NE(text.find("hook\\x1b[31m 1"), std::string::npos) << text;
}

TEST(DumpSummary, AnEmptySelectionSaysSo) {
  DumpSummary summary;
  const std::string text = summary.render(DumpSources{});
  EXPECT_TRUE(has_line(text, "  events    none in the selection")) << text;
  EXPECT_EQ(text.find("Timeline"), std::string::npos);
}

}  // namespace
}  // namespace bindtrace
