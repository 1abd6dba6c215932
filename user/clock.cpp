// Wall-clock conversion of kernel CLOCK_BOOTTIME stamps (bpf_ktime_get_boot_ns)
// and their text forms.
#include "bindtrace/clock.hpp"

#include <chrono>
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
  char text[48];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", int{date.year()},
                unsigned{date.month()}, unsigned{date.day()}, static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()),
                static_cast<long long>(nanoseconds));
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
