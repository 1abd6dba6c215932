// decode_event on a raw ring-buffer record, then both sinks: the JSON line
// must parse back, the text block must carry no control byte but '\n'.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bindtrace/events/events.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/sinks.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 8 bytes are the realtime offset (when there are enough).
  std::int64_t offset = 0;
  if (size >= 8 + BT_EVENT_SIZE) {
    std::memcpy(&offset, data, sizeof(offset));
    data += 8;
    size -= 8;
  }
  std::vector<std::uint8_t> record(data, data + size);
  const bindtrace::DecodeResult result = bindtrace::decode_event(record, offset);
  if (!result.event) return 0;
  const bindtrace::Event& event = *result.event;

  const std::string line = bindtrace::event_to_json_line(event);
  FUZZ_CHECK(!line.empty() && line.back() == '\n');
  FUZZ_CHECK(line.find('\n') == line.size() - 1);
  try {
    const auto parsed = nlohmann::json::parse(line);
    FUZZ_CHECK(parsed.is_object());
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "event_to_json_line does not parse back: %s\n%s", e.what(), line.c_str());
    FUZZ_CHECK(false);
  }

  const std::string text = bindtrace::event_to_text(event, /*colour=*/false);
  FUZZ_CHECK(bindtrace::fuzz::terminal_safe(text, /*allow_newline=*/true));
  (void)bindtrace::event_to_text(event, /*colour=*/true);
  return 0;
}
