// Numbers as operators type them, shared by the command line and the config
// file so both accept exactly the same forms. Never throw: callers name the
// option in their own error.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bindtrace {

// "64M", "256K", "1G" (powers of 1024, either case) or a plain number of bytes.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

}  // namespace bindtrace
