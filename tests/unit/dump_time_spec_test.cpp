// `dump --since/--until` time specs and the RFC 3339 "time" of log records.
#include <gtest/gtest.h>

#include "bindtrace/dump/time_spec.hpp"
#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// 2026-11-22T01:00:00Z
constexpr std::int64_t kOneAm = 1'795'309'200 * kSecond;
// A "now" in the middle of that day: 2026-11-22T13:45:30.25Z
constexpr std::int64_t kNow = kOneAm + (12 * 3600 + 45 * 60 + 30) * kSecond + kSecond / 4;
constexpr std::int64_t kMidnight = kOneAm - 3600 * kSecond;

std::int64_t at(std::string_view text) {
  return parse_time_spec("--since", text, kNow);
}

std::string usage_error(std::string_view option, std::string_view text) {
  try {
    (void)parse_time_spec(option, text, kNow);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(DumpTimeSpec, DurationsMeanThatLongBeforeNow) {
  EXPECT_EQ(at("90s"), kNow - 90 * kSecond);
  EXPECT_EQ(at("10m"), kNow - 600 * kSecond);
  EXPECT_EQ(at("2h"), kNow - 7200 * kSecond);
  EXPECT_EQ(at("1d"), kNow - 86'400 * kSecond);
  EXPECT_EQ(at("250ms"), kNow - kSecond / 4);
  EXPECT_EQ(at("0s"), kNow);
}

TEST(DumpTimeSpec, DurationPartsAddUp) {
  EXPECT_EQ(at("1h30m"), kNow - 5400 * kSecond);
  EXPECT_EQ(at("1d2h3m4s5ms"), kNow - (86'400 + 7200 + 180 + 4) * kSecond - 5'000'000);
}

TEST(DumpTimeSpec, Rfc3339WithZoneOrOffset) {
  EXPECT_EQ(at("2026-11-22T01:00:00Z"), kOneAm);
  EXPECT_EQ(at("2026-11-22t01:00:00z"), kOneAm);
  EXPECT_EQ(at("2026-11-22T01:00:00.5+02:00"), kOneAm - 2 * 3600 * kSecond + kSecond / 2);
  EXPECT_EQ(at("2026-11-21T19:30:00-05:30"), kOneAm);
}

TEST(DumpTimeSpec, WithoutZoneIsUtcNotLocalTime) {
  EXPECT_EQ(at("2026-11-22 01:00:00"), kOneAm);
  EXPECT_EQ(at("2026-11-22T01:00:00"), kOneAm);
  EXPECT_EQ(at("2026-11-22 01:00"), kOneAm);
  EXPECT_EQ(at("2026-11-22"), kMidnight);
}

TEST(DumpTimeSpec, EpochSecondsAfterAnAt) {
  EXPECT_EQ(at("@1732237200"), 1'732'237'200 * kSecond);
  EXPECT_EQ(at("@1795309200.25"), kOneAm + kSecond / 4);
}

TEST(DumpTimeSpec, NowTodayAndYesterdayAreUtcMidnights) {
  EXPECT_EQ(at("now"), kNow);
  EXPECT_EQ(at("today"), kMidnight);
  EXPECT_EQ(at("yesterday"), kMidnight - 86'400 * kSecond);
}

TEST(DumpTimeSpec, AnythingElseIsAUsageErrorNamingTheOption) {
  EXPECT_EQ(usage_error("--since", "x"), "--since: 'x' is not a time (10m, 2h, 2026-11-22T01:00:00Z)");
  EXPECT_EQ(usage_error("--until", "soon"), "--until: 'soon' is not a time (10m, 2h, 2026-11-22T01:00:00Z)");
  for (const char* bad : {"", "10", "10x", "h", "1h-", "-10m", "2026-13-01", "2026-02-30",
                          "2026-11-22T24:00:00Z", "2026-11-22T01:60Z", "2026-11-22T01:00:00+2",
                          "2026-11-22T01:00:00Zjunk", "@", "@12x", "Now", "2026-11-22  01:00"}) {
    EXPECT_NE(usage_error("--since", bad), "(accepted)") << bad;
  }
}

TEST(DumpTimeSpec, OverflowIsAUsageErrorNotAWrap) {
  EXPECT_NE(usage_error("--since", "99999999999999999999s"), "(accepted)");
  EXPECT_NE(usage_error("--since", "200000d"), "(accepted)");
  EXPECT_NE(usage_error("--since", "9999-01-01"), "(accepted)");  // past int64 nanoseconds (2262)
  EXPECT_NE(usage_error("--since", "@9300000000"), "(accepted)");
}

TEST(DumpTimeSpec, ErrorTextIsEscapedForTheTerminal) {
  const std::string message = usage_error("--since", "\x1b[2J");
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("\\x1b[2J"), std::string::npos) << message;
}

TEST(DumpTimeSpec, RecordTimesNeedSecondsAndAZone) {
  EXPECT_EQ(parse_rfc3339_ns("2026-11-22T01:00:00.123456789Z"), kOneAm + 123'456'789);
  EXPECT_EQ(parse_rfc3339_ns("2026-11-22T03:00:00+02:00"), kOneAm);
  EXPECT_EQ(parse_rfc3339_ns("2026-11-22T01:00:00.1234567891Z"),
            kOneAm + 123'456'789);  // below 1 ns: dropped
  EXPECT_EQ(parse_rfc3339_ns("1969-12-31T23:59:59.5Z"), -kSecond / 2);
  EXPECT_FALSE(parse_rfc3339_ns("2026-11-22 01:00:00"));
  EXPECT_FALSE(parse_rfc3339_ns("2026-11-22T01:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2026-11-22"));
  EXPECT_FALSE(parse_rfc3339_ns("10m"));
  EXPECT_FALSE(parse_rfc3339_ns("2026-11-22T01:00:00.Z"));
}

}  // namespace
}  // namespace bindtrace
