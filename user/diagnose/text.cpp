// Text helpers for summaries and remedies (text.hpp).
#include "diagnose/text.hpp"

#include "bindtrace/events/escape.hpp"

namespace bindtrace::diagnose_detail {


// One argument for a POSIX shell: as is when every byte is harmless, else in
// single quotes (a quote inside becomes '\'').
std::string shell_quote(std::string_view arg) {
  constexpr std::string_view kSafe =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%_+=:,./-";
  if (!arg.empty() && arg.find_first_not_of(kSafe) == std::string_view::npos) return std::string(arg);
  std::string quoted = "'";
  for (const char c : arg) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  quoted += '\'';
  return quoted;
}

// A remedy: a command line, and after "  # " why (escaped: a newline in an
// untrusted name must not end the comment and start a command).
std::string with_note(std::string command, std::string_view note) {
  if (note.empty()) return command;
  return command + "  # " + escape_for_terminal(note);
}

// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th.
std::string ordinal(std::uint32_t n) {
  const std::uint32_t tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(n) + suffix;
}

std::string seconds_text(std::int64_t ms) {
  return std::to_string((ms + 999) / 1000) + " s";
}

// "3 h 5 min", "42 s": how long ago a holder started.
std::string age_text(std::uint64_t ns) {
  const std::uint64_t s = ns / 1'000'000'000ULL;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 172800) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " days";
}

std::string join_notes(std::string a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return a;
  return a + "; " + std::string(b);
}


}  // namespace bindtrace::diagnose_detail
