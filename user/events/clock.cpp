// Wall-clock conversion of kernel CLOCK_BOOTTIME stamps (bpf_ktime_get_boot_ns)
// and their text forms.
#include "bindtrace/events/clock.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace bindtrace {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::int64_t now_ns(clockid_t clock) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

struct SplitTime {
  std::int64_t seconds;
  std::int64_t nanoseconds;  // always 0..999999999, also before 1970
};

SplitTime split(std::int64_t realtime_ns) noexcept {
  std::int64_t seconds = realtime_ns / kNsPerSecond;
  std::int64_t nanoseconds = realtime_ns % kNsPerSecond;
  if (nanoseconds < 0) {
    --seconds;
    nanoseconds += kNsPerSecond;
  }
  return {seconds, nanoseconds};
}

}  // namespace

BootClock::BootClock() : offset_ns_(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME)) {}

std::string format_rfc3339_ns(std::int64_t realtime_ns) {
  namespace chrono = std::chrono;
  const auto [seconds, nanoseconds] = split(realtime_ns);
  const chrono::sys_seconds time{chrono::seconds{seconds}};
  const chrono::sys_days day = chrono::floor<chrono::days>(time);
  const chrono::year_month_day date{day};
  const chrono::hh_mm_ss clock{time - day};
  // int64 nanoseconds span the years 1677..2262: always four digits.
  const int year = int{date.year()};
  // Fixed width, digits written directly: this runs for every event line.
  std::string text(30, '0');  // YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ
  auto digits = [&text](std::size_t end, std::uint64_t value, int width) {
    for (int i = 0; i < width; ++i, value /= 10) text[end - 1 - static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  digits(4, static_cast<std::uint64_t>(year), 4);
  text[4] = '-';
  digits(7, unsigned{date.month()}, 2);
  text[7] = '-';
  digits(10, unsigned{date.day()}, 2);
  text[10] = 'T';
  digits(13, static_cast<std::uint64_t>(clock.hours().count()), 2);
  text[13] = ':';
  digits(16, static_cast<std::uint64_t>(clock.minutes().count()), 2);
  text[16] = ':';
  digits(19, static_cast<std::uint64_t>(clock.seconds().count()), 2);
  text[19] = '.';
  digits(29, static_cast<std::uint64_t>(nanoseconds), 9);
  text[29] = 'Z';
  return text;
}

std::string format_clock_time(std::int64_t realtime_ns) {
  const auto [seconds, nanoseconds] = split(realtime_ns);
  const auto t = static_cast<std::time_t>(seconds);
  tm local{};
  if (localtime_r(&t, &local) == nullptr) return "??:??:??.??????";
  char text[32];
  std::snprintf(text, sizeof(text), "%02d:%02d:%02d.%06lld", local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<long long>(nanoseconds / 1000));
  return text;
}

}  // namespace bindtrace
