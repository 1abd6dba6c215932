// `trace --json`: each event as its JSON line (format/event_json.hpp) on a stream.
#include <cstdio>

#include "bindtrace/format/event_json.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {

void JsonLinesSink::write(const Event& event) {
  const std::string line = event_to_json_line(event);
  std::fwrite(line.data(), 1, line.size(), out_);
}

void JsonLinesSink::flush() {
  std::fflush(out_);
}

}  // namespace bindtrace
