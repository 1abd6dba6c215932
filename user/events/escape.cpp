// Untrusted bytes made safe for a terminal (visible escapes) or for JSON
// (valid UTF-8). Both share one strict UTF-8 decoder.
#include "bindtrace/events/escape.hpp"

#include <algorithm>
#include <cstdint>

namespace bindtrace {
namespace {

struct Decoded {
  char32_t code_point = 0;
  std::size_t length = 1;  // bytes consumed; for invalid input, the maximal invalid subpart
  bool valid = false;
};

// Strict UTF-8 (RFC 3629): rejects overlong forms, surrogates and values above
// U+10FFFF. An invalid sequence consumes its longest valid-looking prefix, as
// Unicode recommends for U+FFFD substitution.
Decoded decode_utf8(std::string_view text, std::size_t pos) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};

  std::size_t length = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xbf;
  char32_t code_point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0f;
    if (lead == 0xe0) second_min = 0xa0;  // overlong
    if (lead == 0xed) second_max = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xf0) second_min = 0x90;  // overlong
    if (lead == 0xf4) second_max = 0x8f;  // above U+10FFFF
  } else {
    return {};
  }

  for (std::size_t i = 1; i < length; ++i) {
    const std::uint8_t min = i == 1 ? second_min : 0x80;
    const std::uint8_t max = i == 1 ? second_max : 0xbf;
    if (pos + i >= text.size() || byte(i) < min || byte(i) > max) return {0, i, false};
    code_point = (code_point << 6) | (byte(i) & 0x3f);
  }
  return {code_point, length, true};
}

bool is_bidi_or_line_control(char32_t c) noexcept {
  return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

void append_hex(std::string& out, std::uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

void append_byte_escape(std::string& out, std::uint8_t byte) {
  out += "\\x";
  append_hex(out, byte, 2);
}

}  // namespace

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = decode_utf8(text, pos);
    if (!d.valid) {
      for (std::size_t i = 0; i < d.length; ++i) {
        append_byte_escape(out, static_cast<std::uint8_t>(text[pos + i]));
      }
    } else if (d.code_point == '\\') {
      out += "\\\\";
    } else if (d.code_point == '\n') {
      out += "\\n";
    } else if (d.code_point == '\t') {
      out += "\\t";
    } else if (d.code_point == '\r') {
      out += "\\r";
    } else if (d.code_point < 0x20 || d.code_point == 0x7f) {
      append_byte_escape(out, static_cast<std::uint8_t>(d.code_point));
    } else if ((d.code_point >= 0x80 && d.code_point <= 0x9f) || is_bidi_or_line_control(d.code_point)) {
      out += "\\u";
      append_hex(out, d.code_point, 4);
    } else {
      out.append(text.substr(pos, d.length));
    }
    pos += d.length;
  }
  return out;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = decode_utf8(text, pos);
    if (d.valid) {
      out.append(text.substr(pos, d.length));
    } else {
      out += "\xef\xbf\xbd";
    }
    pos += d.length;
  }
  return out;
}

std::string join_cmdline(std::string_view raw, std::size_t max_bytes) {
  static constexpr std::string_view kEllipsis = "...";
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  std::string line(raw);
  std::replace(line.begin(), line.end(), '\0', ' ');
  if (line.size() <= max_bytes) return line;
  if (max_bytes <= kEllipsis.size()) return std::string(kEllipsis.substr(0, max_bytes));

  std::size_t cut = max_bytes - kEllipsis.size();
  // Back off over UTF-8 continuation bytes so the cut lands on a character boundary.
  for (int i = 0; i < 3 && cut > 0 && (static_cast<std::uint8_t>(line[cut]) & 0xc0) == 0x80; ++i) {
    --cut;
  }
  line.resize(cut);
  line += kEllipsis;
  return line;
}

}  // namespace bindtrace
