// ports_from_env, ports_from_compose and parse_port_arg on arbitrary text.
// ports_from_compose (a file that is not YAML) and parse_port_arg throw
// UsageError on bad input: only bindtrace::Error, with a one-line message, is
// expected; anything else escapes and is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bindtrace/errors.hpp"
#include "bindtrace/cli/port_sources.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)bindtrace::ports_from_env(text, ".env");
  try {
    (void)bindtrace::ports_from_compose(text, "compose.yml");
  } catch (const bindtrace::Error& e) {
    FUZZ_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
  for (const bool ranges : {false, true}) {
    try {
      const auto specs = bindtrace::parse_port_arg("--port", text, ranges);
      FUZZ_CHECK(!specs.empty());
    } catch (const bindtrace::Error&) {
    }
  }
  return 0;
}
