// Small text helpers shared by the audit's configuration parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/events/number_text.hpp"

namespace bindtrace::audit_text {

[[nodiscard]] std::string_view trim(std::string_view s) noexcept;
// Strips one pair of matching ' or " quotes.
[[nodiscard]] std::string_view unquote(std::string_view s) noexcept;
// Does the key name a port: contains PORT in any case (PORT, HTTP_PORT, port).
[[nodiscard]] bool is_port_key(std::string_view key) noexcept;

struct Line {
  std::size_t number = 0;  // 1-based
  std::string_view text;   // without the newline and a trailing \r
};
[[nodiscard]] std::vector<Line> split_lines(std::string_view content);

// Words split on blanks, with '...' and "..." quoting and backslash escapes.
[[nodiscard]] std::vector<std::string> split_words(std::string_view text);

// A commented-out line ("# Key=v", ";Key=v"): the text after the comment
// marker when it still reads as key=value, else nullopt.
[[nodiscard]] std::optional<std::string_view> commented_setting(std::string_view line) noexcept;

}  // namespace bindtrace::audit_text
