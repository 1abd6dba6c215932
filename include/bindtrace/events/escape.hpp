// Untrusted text from traced processes (comm, cmdline, paths, unix socket
// names) made safe: for a terminal, and as valid UTF-8 for JSON.
#pragma once

#include <string>
#include <string_view>

namespace bindtrace {

// Control characters (C0, DEL, C1), invalid UTF-8 and bidi overrides become
// visible escapes (\n, \t, \x1b, \u202e, \xff ...); a backslash becomes "\\".
// Printable UTF-8 passes through. Output has no byte < 0x20 and no 0x7f.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

// Valid UTF-8 for JSON: invalid bytes become U+FFFD; everything else is kept
// (the JSON encoder escapes control characters itself).
[[nodiscard]] std::string to_valid_utf8(std::string_view text);

// Joins a NUL-separated /proc/PID/cmdline into one space-separated line,
// dropping the trailing NUL; at most max_bytes bytes (then ends in "...").
[[nodiscard]] std::string join_cmdline(std::string_view raw, std::size_t max_bytes = 4096);

}  // namespace bindtrace
