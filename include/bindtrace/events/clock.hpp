// Kernel timestamps (CLOCK_BOOTTIME ns) to wall-clock time, and RFC 3339
// formatting with nanoseconds in UTC ("2026-11-21T21:55:12.123456789Z").
#pragma once

#include <cstdint>
#include <string>

namespace bindtrace {

class BootClock {
 public:
  // Samples CLOCK_REALTIME - CLOCK_BOOTTIME now.
  BootClock();
  explicit BootClock(std::int64_t offset_ns) : offset_ns_(offset_ns) {}
  [[nodiscard]] std::int64_t to_realtime_ns(std::uint64_t boot_ns) const noexcept {
    return static_cast<std::int64_t>(boot_ns) + offset_ns_;
  }

 private:
  std::int64_t offset_ns_;
};

[[nodiscard]] std::string format_rfc3339_ns(std::int64_t realtime_ns);
// "21:55:12.123456" local time, for text output.
[[nodiscard]] std::string format_clock_time(std::int64_t realtime_ns);

}  // namespace bindtrace
