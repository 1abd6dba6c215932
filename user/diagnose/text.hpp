// Text helpers for summaries and remedies: shell quoting, the "  # why" note
// after a command, counts and durations as a person reads them. Private to
// user/diagnose/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bindtrace::diagnose_detail {

// One argument for a POSIX shell: as is when every byte is harmless, else in
// single quotes.
[[nodiscard]] std::string shell_quote(std::string_view arg);
// "COMMAND  # note"; the note is escaped so an untrusted name cannot start a command.
[[nodiscard]] std::string with_note(std::string command, std::string_view note);
// "a; b", either side may be empty.
[[nodiscard]] std::string join_notes(std::string a, std::string_view b);
// 1st, 2nd, 3rd, 11th.
[[nodiscard]] std::string ordinal(std::uint32_t n);
// Milliseconds rounded up to whole seconds: "42 s".
[[nodiscard]] std::string seconds_text(std::int64_t ms);
// "3 h 5 min", "42 s".
[[nodiscard]] std::string age_text(std::uint64_t ns);

}  // namespace bindtrace::diagnose_detail
