// Shared by the fuzz targets: a check that survives NDEBUG and reports the
// failed condition before aborting (libFuzzer then saves the input).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace bindtrace::fuzz {

inline std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find(sep, start);
    if (end == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      break;
    }
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// No byte < 0x20 except '\n', and no 0x7f.
inline bool terminal_safe(std::string_view text, bool allow_newline) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b == 0x7f) return false;
    if (b < 0x20 && !(allow_newline && b == '\n')) return false;
  }
  return true;
}

}  // namespace bindtrace::fuzz
