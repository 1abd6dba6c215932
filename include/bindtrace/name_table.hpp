// A fixed table between an enumeration and the names it is written as: one
// place for both directions, so a name and its parser cannot drift apart.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace bindtrace {

template <typename Enum, std::size_t N>
struct NameTable {
  std::array<std::pair<Enum, std::string_view>, N> entries;

  // The name of `value`; the first entry's name for a value not in the table.
  [[nodiscard]] constexpr std::string_view name(Enum value) const noexcept {
    for (const auto& [e, text] : entries)
      if (e == value) return text;
    return entries.front().second;
  }

  [[nodiscard]] constexpr std::optional<Enum> parse(std::string_view text) const noexcept {
    for (const auto& [e, n] : entries)
      if (n == text) return e;
    return std::nullopt;
  }
};

}  // namespace bindtrace
