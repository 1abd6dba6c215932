// parse_agent_config on arbitrary bytes: a ConfigError is the only way to say
// no, and its message is one terminal-safe line. Any other exception escapes
// and crashes the fuzzer, which saves the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bindtrace/agent/config.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const bindtrace::AgentConfig config = bindtrace::parse_agent_config(text, "fuzz.toml");
    FUZZ_CHECK(config.source == "fuzz.toml");
  } catch (const bindtrace::ConfigError& error) {
    const std::string_view message = error.what();
    FUZZ_CHECK(message.starts_with("fuzz.toml:"));
    FUZZ_CHECK(bindtrace::fuzz::terminal_safe(message, /*allow_newline=*/false));
  }
  return 0;
}
