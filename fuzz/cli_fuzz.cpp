// parse_cli on arbitrary argument vectors (NUL-separated in the input): a
// bad command line must be a bindtrace::Error of one line (exit 2 for usage),
// never another exception or a crash. ("-v=x" once escaped as std::out_of_range.)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "bindtrace/cli.hpp"
#include "bindtrace/errors.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> args =
      input.empty() ? std::vector<std::string>{} : bindtrace::fuzz::split(input, '\0');
  try {
    (void)bindtrace::parse_cli(args);
  } catch (const bindtrace::Error& e) {
    FUZZ_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parse_cli threw %s\n", e.what());
    FUZZ_CHECK(false);
  }
  return 0;
}
