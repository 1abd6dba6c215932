// The streaming JSON writer: escaping as nlohmann's serializer does it, so the
// output contract keeps the bytes it has always had.
#include "bindtrace/format/json_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>

#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

constexpr std::uint8_t kEscaped = 1;   // '"', '\\' and C0 controls
constexpr std::uint8_t kNonAscii = 2;  // part of a multi-byte UTF-8 sequence, or invalid
constexpr std::array<std::uint8_t, 256> kByteClass = [] {
  std::array<std::uint8_t, 256> classes{};
  for (std::size_t byte = 0; byte < classes.size(); ++byte) {
    if (byte < 0x20 || byte == '"' || byte == '\\') classes[byte] = kEscaped;
    if (byte >= 0x80) classes[byte] = kNonAscii;
  }
  return classes;
}();

constexpr std::uint64_t kEveryByte = 0x0101010101010101;
constexpr std::uint64_t kHighBits = 0x8080808080808080;

// Whether any byte is 0 ("has a zero byte" bit trick; exact as a yes/no).
constexpr std::uint64_t zero_bytes(std::uint64_t block) {
  return (block - kEveryByte) & ~block & kHighBits;
}

// Whether any of 8 bytes needs escaping (C0 control, '"', '\\'), or is >= 0x80
// when `high_bits` is kHighBits. "Has a byte below n" works for n <= 0x80.
constexpr bool needs_care(std::uint64_t block, std::uint64_t high_bits) {
  const std::uint64_t below_space = (block - kEveryByte * 0x20) & ~block & kHighBits;
  return (below_space | zero_bytes(block ^ (kEveryByte * '"')) | zero_bytes(block ^ (kEveryByte * '\\')) |
          (block & high_bits)) != 0;
}

constexpr std::size_t kLongestEscape = 6;  // \u00XX
constexpr std::size_t kChunk = 256;        // input bytes escaped per room() check

char* write_escape(char* p, unsigned char byte) {
  *p++ = '\\';
  switch (byte) {
    case '"':
      *p++ = '"';
      return p;
    case '\\':
      *p++ = '\\';
      return p;
    case '\b':
      *p++ = 'b';
      return p;
    case '\t':
      *p++ = 't';
      return p;
    case '\n':
      *p++ = 'n';
      return p;
    case '\f':
      *p++ = 'f';
      return p;
    case '\r':
      *p++ = 'r';
      return p;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = 'u';
  *p++ = '0';
  *p++ = '0';
  *p++ = kHex[byte >> 4];
  *p++ = kHex[byte & 0xf];
  return p;
}

}  // namespace

void JsonWriter::string(std::string_view text) {
  char* p = begin_value(1);
  *p++ = '"';
  commit(p);
  const std::size_t ascii = escaped(text, false);
  // to_valid_utf8 substitutes the maximal invalid subpart, as nlohmann's
  // replace handler does; the rest starts on a character boundary.
  if (ascii < text.size()) escaped(to_valid_utf8(text.substr(ascii)), true);
  p = room(1);
  *p++ = '"';
  commit(p);
}

std::size_t JsonWriter::escaped(std::string_view text, bool pass_non_ascii) {
  const std::uint8_t stop = pass_non_ascii ? kEscaped : kEscaped | kNonAscii;
  const std::uint64_t high_bits = pass_non_ascii ? 0 : kHighBits;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t chunk_end = std::min(text.size(), i + kChunk);
    char* p = room((chunk_end - i) * kLongestEscape);
    while (i < chunk_end) {
      // Eight plain bytes at a time; a block holding anything else goes byte by byte.
      if (chunk_end - i >= sizeof(std::uint64_t)) {
        std::uint64_t block = 0;
        std::memcpy(&block, text.data() + i, sizeof(block));
        if (!needs_care(block, high_bits)) {
          std::memcpy(p, &block, sizeof(block));
          p += sizeof(block);
          i += sizeof(block);
          continue;
        }
      }
      const auto byte = static_cast<unsigned char>(text[i]);
      if ((kByteClass[byte] & stop) == 0) {
        *p++ = text[i];
      } else if (byte >= 0x80) {
        commit(p);
        return i;
      } else {
        p = write_escape(p, byte);
      }
      ++i;
    }
    commit(p);
  }
  return i;
}

void JsonWriter::signed_number(std::int64_t value) {
  constexpr std::size_t kDigits = std::numeric_limits<std::int64_t>::digits10 + 2;  // and the sign
  char* p = begin_value(kDigits);
  commit(std::to_chars(p, p + kDigits, value).ptr);
}

void JsonWriter::unsigned_number(std::uint64_t value) {
  constexpr std::size_t kDigits = std::numeric_limits<std::uint64_t>::digits10 + 1;
  char* p = begin_value(kDigits);
  commit(std::to_chars(p, p + kDigits, value).ptr);
}

void JsonWriter::grow(std::size_t bytes) {
  buffer_.resize(std::max(buffer_.size() * 2, used_ + bytes));
}

std::string JsonWriter::take() {
  buffer_.resize(used_);
  std::string text = std::move(buffer_);
  buffer_.clear();
  used_ = 0;
  need_comma_ = false;
  return text;
}

}  // namespace bindtrace
