// Compact JSON written straight into a buffer, with no DOM in between: the
// one encoder of everything bindtrace prints or logs as JSON (format/). The
// bytes are those of nlohmann's dump(-1, ' ', false, replace), which the
// output contract has always had; every string goes through to_valid_utf8, so
// the output is valid JSON whatever the strings hold.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace bindtrace {

// A member name: a string literal, checked at compile time to need no
// escaping, so the writer copies it as is.
class JsonKey {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): member("pid", ...) reads best.
  consteval JsonKey(const char* name) : name_(name) {
    for (const char c : name_) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
        throw "a JSON key must be printable ASCII without quote or backslash";
      }
    }
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return name_; }

 private:
  std::string_view name_;
};

class JsonWriter {
 public:
  // `capacity`: bytes set aside up front; the buffer grows when needed.
  explicit JsonWriter(std::size_t capacity = 512) { buffer_.resize(capacity); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // The key of the next value (or of the object/array begun next).
  void key(JsonKey name) {
    const std::string_view text = name.view();
    char* p = room(text.size() + 4);
    if (need_comma_) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p += text.size();
    *p++ = '"';
    *p++ = ':';
    commit(p);
    need_comma_ = false;
  }

  // '"', '\\' and C0 controls escaped as nlohmann does (\b \t \n \f \r, else
  // \u00XX); DEL and valid UTF-8 kept; invalid UTF-8 replaced by U+FFFD.
  void string(std::string_view text);
  void null() { literal("null"); }
  // Templates, so that a string literal or an int never silently picks the bool overload.
  template <std::same_as<bool> Bool>
  void boolean(Bool value) {
    literal(value ? std::string_view("true") : std::string_view("false"));
  }
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void number(Int value) {
    if constexpr (std::is_signed_v<Int>) {
      signed_number(value);
    } else {
      unsigned_number(value);
    }
  }

  // key + value in one call: member("pid", pid), member("comm", text), member("v6only", flag).
  void member(JsonKey name, std::string_view text) {
    key(name);
    string(text);
  }
  template <std::same_as<bool> Bool>
  void member(JsonKey name, Bool value) {
    key(name);
    boolean(value);
  }
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void member(JsonKey name, Int value) {
    key(name);
    number(value);
  }

  // The text written so far.
  [[nodiscard]] std::string_view view() const noexcept { return {buffer_.data(), used_}; }
  // Moves the text out; the writer starts over, empty.
  [[nodiscard]] std::string take();

 private:
  // The write position, with room for `bytes` more; commit() then records
  // how far was written. Bytes past used_ are scratch.
  char* room(std::size_t bytes) {
    if (buffer_.size() - used_ < bytes) grow(bytes);
    return buffer_.data() + used_;
  }
  void commit(const char* end) noexcept { used_ = static_cast<std::size_t>(end - buffer_.data()); }
  void grow(std::size_t bytes);
  // A value starts: room for it and the comma before it (every value but the
  // first of its object or array; a key has placed its own).
  char* begin_value(std::size_t bytes) {
    char* p = room(bytes + 1);
    if (need_comma_) *p++ = ',';
    need_comma_ = true;
    return p;
  }
  void literal(std::string_view text) {
    char* p = begin_value(text.size());
    std::memcpy(p, text.data(), text.size());
    commit(p + text.size());
  }
  void open(char bracket) {
    char* p = begin_value(1);
    *p++ = bracket;
    commit(p);
    need_comma_ = false;
  }
  void close(char bracket) {
    char* p = room(1);
    *p++ = bracket;
    commit(p);
    need_comma_ = true;
  }
  // Copies `text` escaped; stops before the first byte >= 0x80 unless
  // `pass_non_ascii`. Returns the bytes consumed.
  std::size_t escaped(std::string_view text, bool pass_non_ascii);
  void signed_number(std::int64_t value);
  void unsigned_number(std::uint64_t value);

  std::string buffer_;
  std::size_t used_ = 0;
  bool need_comma_ = false;
};

}  // namespace bindtrace
