#include "bindtrace/events/clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <limits>
#include <time.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace bindtrace {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t k2026_11_21_215512 = 1795298112;  // 2026-11-21T21:55:12Z

// Sets TZ for one test and restores it after.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

TEST(Clock, Rfc3339ShowsNanosecondsInUtc) {
  EXPECT_EQ(format_rfc3339_ns(k2026_11_21_215512 * kNs + 123456789), "2026-11-21T21:55:12.123456789Z");
}

TEST(Clock, Rfc3339AlwaysHasNineFractionalDigits) {
  EXPECT_EQ(format_rfc3339_ns(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_ns(k2026_11_21_215512 * kNs + 5), "2026-11-21T21:55:12.000000005Z");
}

TEST(Clock, Rfc3339HandlesLeapDay) {
  EXPECT_EQ(format_rfc3339_ns(1709208000 * kNs), "2024-02-29T12:00:00.000000000Z");
}

TEST(Clock, Rfc3339BeforeEpochBorrowsFromTheSecond) {
  EXPECT_EQ(format_rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(Clock, Rfc3339CoversTheWholeRangeOfNanosecondStamps) {
  EXPECT_EQ(format_rfc3339_ns(std::numeric_limits<std::int64_t>::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_rfc3339_ns(std::numeric_limits<std::int64_t>::min()), "1677-09-21T00:12:43.145224192Z");
}

TEST(Clock, ClockTimeIsLocalWithMicroseconds) {
  const std::int64_t instant = k2026_11_21_215512 * kNs + 123456789;
  {
    const ScopedTimeZone utc("UTC0");
    EXPECT_EQ(format_clock_time(instant), "21:55:12.123456");
  }
  {
    const ScopedTimeZone two_hours_east("XXX-2");
    EXPECT_EQ(format_clock_time(instant), "23:55:12.123456");
  }
}

TEST(Clock, ExplicitOffsetIsAddedToBootTime) {
  EXPECT_EQ(BootClock(1'000).to_realtime_ns(5), 1'005);
  EXPECT_EQ(BootClock(-10).to_realtime_ns(15), 5);
}

// A preemption between two clock reads (likely under ASan on a loaded
// machine) can put any one sample off; the mapping is right when some
// sample, of several, agrees within 50 ms.
TEST(Clock, SampledOffsetMapsBootTimeNowToRealtimeNow) {
  double best = 1e18;
  for (int attempt = 0; attempt < 20 && best > 50e6; ++attempt) {
    const BootClock clock;
    timespec boot{};
    timespec real{};
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_REALTIME, &real);
    const auto boot_ns = static_cast<std::uint64_t>(boot.tv_sec * kNs + boot.tv_nsec);
    const std::int64_t real_ns = real.tv_sec * kNs + real.tv_nsec;
    best = std::min(best, std::abs(static_cast<double>(clock.to_realtime_ns(boot_ns) - real_ns)));
  }
  EXPECT_LE(best, 50e6);
}

}  // namespace
}  // namespace bindtrace
