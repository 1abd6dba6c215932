// join_cmdline, escape_for_terminal and to_valid_utf8 on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bindtrace/events/escape.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First byte picks join_cmdline's limit (small limits exercise the "..." cut).
  const std::size_t max_bytes = data[0] == 0 ? 4096 : data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::string joined = bindtrace::join_cmdline(text, max_bytes);
  FUZZ_CHECK(joined.size() <= max_bytes);

  for (const std::string_view input : {text, std::string_view(joined)}) {
    const std::string escaped = bindtrace::escape_for_terminal(input);
    FUZZ_CHECK(bindtrace::fuzz::terminal_safe(escaped, /*allow_newline=*/false));

    const std::string utf8 = bindtrace::to_valid_utf8(input);
    // dump() throws type_error 316 on invalid UTF-8.
    try {
      (void)nlohmann::json(utf8).dump();
    } catch (const nlohmann::json::exception& e) {
      std::fprintf(stderr, "to_valid_utf8 output is not valid UTF-8: %s\n", e.what());
      FUZZ_CHECK(false);
    }
  }
  return 0;
}
