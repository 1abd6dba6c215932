// errno <-> symbolic name ("EADDRINUSE"), independent of the host's strerror.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bindtrace {

// "EADDRINUSE" for 98; "E123" style ("errno 123") is never returned: unknown
// numbers give an empty view.
[[nodiscard]] std::string_view errno_name(int err) noexcept;

// Human text, e.g. "Address already in use"; empty when unknown.
[[nodiscard]] std::string_view errno_description(int err) noexcept;

// Accepts a name with or without the leading E, in any case ("EADDRINUSE",
// "addrinuse"), or a decimal number 1..4095. nullopt when neither.
[[nodiscard]] std::optional<int> parse_errno(std::string_view text) noexcept;

}  // namespace bindtrace
