// Whole-text integers: the one parser behind every number bindtrace reads
// (the command line, the agent's configuration, /proc and cgroupfs files,
// service definitions). Digits only: no sign on an unsigned type, no '+', no
// spaces, nothing after the digits, no overflow. Never throws.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bindtrace {

template <std::integral T>
[[nodiscard]] constexpr std::optional<T> parse_number(std::string_view text, int base = 10) noexcept {
  T value{};
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc{} || stop != end) return std::nullopt;
  return value;
}

// A TCP/UDP port number, 0-65535.
[[nodiscard]] constexpr std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
  return parse_number<std::uint16_t>(text);
}

}  // namespace bindtrace
