// Storm counts (EventAggregate) as a text line: what the kernel counted per
// endpoint and process instead of sending each (past the per-key budget, or
// while the reader was behind). The JSON line is format/record_json.cpp's.
#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {

std::string aggregate_to_text(const EventAggregate& a) {
  const std::string_view error = errno_name(a.err);
  std::string line = "+" + std::to_string(a.count) + " more " + std::string(aggregate_event_name(a)) + " " +
                     (a.err == 0 ? std::string("-") : error.empty() ? "errno " + std::to_string(a.err) : std::string(error));
  line += " " + std::string(family_name(a.family));
  if (a.family == Family::ipv4 || a.family == Family::ipv6) line += " port " + std::to_string(a.port);
  line += " by " + escape_for_terminal(a.comm) + " (pid " + std::to_string(a.pid) + ")";
  line += ", counted in the kernel, not shown one by one (" + format_rfc3339_ns(a.first_realtime_ns) + " .. " +
          format_rfc3339_ns(a.last_realtime_ns) + ")\n";
  return line;
}

}  // namespace bindtrace
