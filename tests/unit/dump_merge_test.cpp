// `dump` merging the event log with the flight recorder: each event once, the
// recorder's events the log missed, and the --since/--until/--port selection.
#include <gtest/gtest.h>

#include "bindtrace/dump/merge.hpp"

namespace bindtrace {
namespace {

using nlohmann::json;

json event(std::uint64_t seq, std::uint32_t pid, std::uint16_t port = 8001,
           const char* name = "bind_failed") {
  json j = {{"event", name}, {"port", port}, {"process", {{"pid", pid}, {"tid", pid}}}};
  if (seq != 0) j["seq"] = seq;
  return j;
}

DumpRecord from_recorder(std::int64_t time, json record) {
  record["source"] = "recorder";
  return DumpRecord{time, record.dump(), record};
}

std::vector<std::uint64_t> seqs(const std::vector<DumpRecord>& records) {
  std::vector<std::uint64_t> out;
  for (const DumpRecord& r : records) out.push_back(r.record.value("seq", 0u));
  return out;
}

TEST(DumpMerge, TheLogCopyWinsOverTheRecorderCopyOfTheSameSeq) {
  DumpMerge merge({});
  merge.add_recorder(from_recorder(100, event(7, 10)));
  EXPECT_TRUE(merge.add_log(event(7, 10), 105));  // the agent's clock offset differs a little: seq decides
  EXPECT_TRUE(merge.take_recorder_only().empty());
  EXPECT_EQ(merge.recorder_not_in_log(), 0u);
}

TEST(DumpMerge, RecorderEventsTheLogMissedAreKeptOldestFirstAndCounted) {
  DumpMerge merge({});
  merge.add_recorder(from_recorder(300, event(9, 12)));
  merge.add_recorder(from_recorder(100, event(7, 10)));
  merge.add_recorder(from_recorder(200, event(8, 11)));
  EXPECT_TRUE(merge.add_log(event(7, 10), 100));
  const auto only = merge.take_recorder_only();
  EXPECT_EQ(seqs(only), (std::vector<std::uint64_t>{8, 9}));
  EXPECT_EQ(only[0].record["source"], "recorder");
  EXPECT_EQ(merge.recorder_not_in_log(), 2u);
}

TEST(DumpMerge, TheSameSeqFromAnotherProcessIsAnotherEvent) {
  // The counter starts again when the recorder is pinned anew.
  DumpMerge merge({});
  merge.add_recorder(from_recorder(100, event(7, 10)));
  EXPECT_TRUE(merge.add_log(event(7, 99), 100));
  EXPECT_EQ(merge.take_recorder_only().size(), 1u);
}

TEST(DumpMerge, WithoutSeqTimePidTidAndEventIdentifyAnEvent) {
  DumpMerge merge({});
  merge.add_recorder(from_recorder(100, event(7, 10)));
  merge.add_recorder(from_recorder(200, event(8, 10)));
  EXPECT_TRUE(merge.add_log(event(0, 10), 100));                         // same time: the same event
  EXPECT_TRUE(merge.add_log(event(0, 10, 8001, "listen_failed"), 200));  // another event at that time
  EXPECT_EQ(seqs(merge.take_recorder_only()), (std::vector<std::uint64_t>{8}));
}

TEST(DumpMerge, ALogRecordWrittenTwiceIsShownOnceAndCounted) {
  DumpMerge merge({});
  EXPECT_TRUE(merge.add_log(event(5, 10), 100));
  EXPECT_FALSE(merge.add_log(event(5, 10), 100));
  EXPECT_TRUE(merge.add_log(event(0, 11), 100));
  EXPECT_FALSE(merge.add_log(event(0, 11), 100));
  EXPECT_TRUE(merge.add_log(event(0, 11), 101));
  EXPECT_EQ(merge.repeated_log_records(), 2u);
}

TEST(DumpMerge, SinceAndUntilAreInclusive) {
  DumpSelection selection;
  selection.since_ns = 100;
  selection.until_ns = 200;
  EXPECT_FALSE(selection.matches(event(1, 1), 99));
  EXPECT_TRUE(selection.matches(event(1, 1), 100));
  EXPECT_TRUE(selection.matches(event(1, 1), 200));
  EXPECT_FALSE(selection.matches(event(1, 1), 201));
}

TEST(DumpMerge, APortSelectionLeavesOutRecordsWithoutAPort) {
  DumpSelection selection;
  selection.ports.set(8001);
  EXPECT_TRUE(selection.matches(event(1, 1, 8001), 0));
  EXPECT_FALSE(selection.matches(event(1, 1, 8002), 0));
  EXPECT_FALSE(selection.matches(json{{"event", "bind_failed"}, {"addr", "/run/x.sock"}}, 0));
  EXPECT_FALSE(selection.matches(json{{"port", "8001"}}, 0));
  EXPECT_TRUE(DumpSelection{}.matches(json{{"addr", "/run/x.sock"}}, 0));
}

TEST(DumpMerge, RecorderOnlyEventsAreSelectedLikeLogRecords) {
  DumpSelection selection;
  selection.since_ns = 150;
  DumpMerge merge(selection);
  merge.add_recorder(from_recorder(100, event(7, 10)));
  merge.add_recorder(from_recorder(200, event(8, 10)));
  EXPECT_EQ(seqs(merge.take_recorder_only()), (std::vector<std::uint64_t>{8}));
  EXPECT_EQ(merge.recorder_not_in_log(), 2u);  // of all the recorder's events
}

TEST(DumpMerge, ALogRecordOutsideTheSelectionStillMarksItsRecorderCopy) {
  DumpSelection selection;
  selection.ports.set(9000);
  DumpMerge merge(selection);
  merge.add_recorder(from_recorder(100, event(7, 10, 8001)));
  EXPECT_FALSE(merge.add_log(event(7, 10, 8001), 100));
  EXPECT_EQ(merge.recorder_not_in_log(), 0u);
  EXPECT_EQ(merge.repeated_log_records(), 0u);
}

TEST(DumpMerge, RecordsOfWrongShapeDoNotThrow) {
  DumpMerge merge({});
  EXPECT_TRUE(merge.add_log(json{{"seq", "x"}, {"process", 5}, {"event", 3}}, 1));
  EXPECT_TRUE(merge.add_log(json{{"seq", -4}, {"process", {{"pid", "1"}}}}, 2));
  EXPECT_FALSE(merge.add_log(json{{"seq", -4}, {"process", {{"pid", "1"}}}}, 2));
}

}  // namespace
}  // namespace bindtrace
