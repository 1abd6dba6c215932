// Times as `dump --since/--until` and the event log's "time" key write them,
// turned into CLOCK_REALTIME nanoseconds. Every form without a zone is UTC
// (never the local zone), so a spec means the same on every host of a fleet.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bindtrace {

// One of:
//   a duration meaning "that long ago": 90s, 10m, 2h, 1d, 250ms, 1h30m
//   RFC 3339: 2026-11-22T01:00:00Z, 2026-11-22T01:00:00.5+02:00
//   2026-11-22 01:00:00 or 2026-11-22T01:00 (no zone: UTC), 2026-11-22 (midnight UTC)
//   @1732237200 (seconds since the epoch, a fraction allowed)
//   now, today, yesterday (midnight UTC)
// Throws UsageError naming the option:
//   "--since: 'x' is not a time (10m, 2h, 2026-11-22T01:00:00Z)".
[[nodiscard]] std::int64_t parse_time_spec(std::string_view option, std::string_view text,
                                           std::int64_t now_realtime_ns);

// Strict RFC 3339 with a zone (what the agent writes in "time"); nullopt for
// anything else, including times outside the int64 nanosecond range.
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text) noexcept;

}  // namespace bindtrace
