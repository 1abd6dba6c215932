// What the output must look like for untrusted text, written here
// independently of the product's own helpers, so tests do not compute their
// expected values with the code they test.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bindtrace::testing {

namespace utf8_detail {

// For a lead byte: how many continuation bytes follow and the allowed range
// of the first one (Unicode Table 3-7, well-formed UTF-8 byte sequences).
struct Lead {
  int continuation = -1;  // -1: not a lead byte
  unsigned char low = 0x80, high = 0xbf;
};

inline Lead lead_of(unsigned char b) {
  if (b >= 0xc2 && b <= 0xdf) return {1, 0x80, 0xbf};
  if (b == 0xe0) return {2, 0xa0, 0xbf};
  if (b == 0xed) return {2, 0x80, 0x9f};  // no surrogates
  if (b >= 0xe1 && b <= 0xef) return {2, 0x80, 0xbf};
  if (b == 0xf0) return {3, 0x90, 0xbf};
  if (b >= 0xf1 && b <= 0xf3) return {3, 0x80, 0xbf};
  if (b == 0xf4) return {3, 0x80, 0x8f};  // nothing above U+10FFFF
  return {};
}

}  // namespace utf8_detail

// `text` with every maximal ill-formed subpart replaced by one U+FFFD (the
// Unicode recommendation: a lone invalid byte is one, a cut sequence is one).
inline std::string with_replacements(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    const utf8_detail::Lead lead = utf8_detail::lead_of(b);
    if (lead.continuation < 0) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    int k = 0;
    for (; k < lead.continuation && j < text.size(); ++k, ++j) {
      const auto c = static_cast<unsigned char>(text[j]);
      const unsigned char low = k == 0 ? lead.low : 0x80, high = k == 0 ? lead.high : 0xbf;
      if (c < low || c > high) break;
    }
    if (k == lead.continuation) out.append(text.substr(i, j - i));
    else out += "\xef\xbf\xbd";  // the bytes before j were its maximal subpart; j is read next
    i = j;
  }
  return out;
}

inline bool is_valid_utf8(std::string_view text) { return with_replacements(text) == text; }

// /proc/PID/cmdline as bindtrace shows it: arguments joined by spaces, and a
// line over `max_bytes` cut to end in "..." on a character boundary.
inline std::string cmdline_as_shown(std::string raw, std::size_t max_bytes = 4096) {
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw)
    if (c == '\0') c = ' ';
  if (raw.size() <= max_bytes) return raw;
  std::size_t keep = max_bytes - 3;
  while (keep > 0 && keep > max_bytes - 6 && (static_cast<unsigned char>(raw[keep]) & 0xc0) == 0x80) --keep;
  return raw.substr(0, keep) + "...";
}

}  // namespace bindtrace::testing
