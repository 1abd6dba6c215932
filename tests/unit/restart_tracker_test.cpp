// RestartTracker: failures per (program, endpoint) over a sliding window,
// with bounded memory.
#include <gtest/gtest.h>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ULL;
constexpr std::uint64_t kBoot = 1000 * kSecond;  // a boot clock well past the first window

TEST(RestartTracker, CountsFailuresInTheWindowIncludingThisOne) {
  RestartTracker tracker(std::chrono::seconds(60));
  EXPECT_EQ(tracker.record("/usr/bin/api", "tcp 0.0.0.0:8001", kBoot), 1u);
  EXPECT_EQ(tracker.record("/usr/bin/api", "tcp 0.0.0.0:8001", kBoot + 1 * kSecond), 2u);
  EXPECT_EQ(tracker.record("/usr/bin/api", "tcp 0.0.0.0:8001", kBoot + 2 * kSecond), 3u);
}

TEST(RestartTracker, OldFailuresSlideOut) {
  RestartTracker tracker(std::chrono::seconds(60));
  tracker.record("api", "8001", kBoot);
  tracker.record("api", "8001", kBoot + 30 * kSecond);
  // Exactly one window after the first: it has left, the second has not.
  EXPECT_EQ(tracker.record("api", "8001", kBoot + 60 * kSecond), 2u);
  EXPECT_EQ(tracker.record("api", "8001", kBoot + 200 * kSecond), 1u);
}

TEST(RestartTracker, ProgramsAndEndpointsAreCountedApart) {
  RestartTracker tracker;
  tracker.record("api", "8001", kBoot);
  tracker.record("api", "8001", kBoot + 1);
  EXPECT_EQ(tracker.record("api", "8002", kBoot + 2), 1u);
  EXPECT_EQ(tracker.record("web", "8001", kBoot + 3), 1u);
  EXPECT_EQ(tracker.record("api", "8001", kBoot + 4), 3u);
}

TEST(RestartTracker, ThirtyFiveRestartsInAMinute) {
  RestartTracker tracker(std::chrono::seconds(60));
  std::uint32_t count = 0;
  for (int i = 0; i < 35; ++i)
    count = tracker.record("backend", "8001", kBoot + static_cast<std::uint64_t>(i) * kSecond);
  EXPECT_EQ(count, 35u);
}

TEST(RestartTracker, OutOfOrderEventsStillCount) {
  RestartTracker tracker(std::chrono::seconds(60));
  tracker.record("api", "8001", kBoot + 10 * kSecond);
  EXPECT_EQ(tracker.record("api", "8001", kBoot + 9 * kSecond), 2u);
  EXPECT_EQ(tracker.record("api", "8001", kBoot + 11 * kSecond), 3u);
}

TEST(RestartTracker, EarlyBootTimesAreInTheWindow) {
  RestartTracker tracker(std::chrono::seconds(60));
  EXPECT_EQ(tracker.record("api", "8001", 0), 1u);
  EXPECT_EQ(tracker.record("api", "8001", 5 * kSecond), 2u);
}

TEST(RestartTracker, LeastRecentlySeenKeyIsEvictedWhenFull) {
  RestartTracker tracker(std::chrono::seconds(60), 2);
  tracker.record("a", "1", kBoot);
  tracker.record("a", "1", kBoot + 1);
  tracker.record("b", "1", kBoot + 2);
  tracker.record("a", "1", kBoot + 3);  // "a" is now the most recent; "b" the oldest
  tracker.record("c", "1", kBoot + 4);  // evicts "b"
  EXPECT_EQ(tracker.record("a", "1", kBoot + 5), 4u);
  EXPECT_EQ(tracker.record("b", "1", kBoot + 6), 1u);  // forgotten; evicts "c"
  EXPECT_EQ(tracker.record("c", "1", kBoot + 7), 1u);
}

TEST(RestartTracker, ExpiredKeysGoBeforeLiveOnes) {
  RestartTracker tracker(std::chrono::seconds(60), 2);
  tracker.record("old", "1", kBoot);
  tracker.record("live", "1", kBoot + 100 * kSecond);
  tracker.record("live", "1", kBoot + 101 * kSecond);
  tracker.record("new", "1", kBoot + 102 * kSecond);
  EXPECT_EQ(tracker.record("live", "1", kBoot + 103 * kSecond), 3u);
}

TEST(RestartTracker, AStormSaturatesInsteadOfGrowing) {
  RestartTracker tracker(std::chrono::seconds(60));
  std::uint32_t count = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) count = tracker.record("storm", "8001", kBoot + i);
  EXPECT_GE(count, 3u);
  EXPECT_LE(count, 10000u);
  EXPECT_EQ(count, 4096u);
}

}  // namespace
}  // namespace bindtrace
