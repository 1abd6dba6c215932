// The streaming JSON writer: escaping (control characters, quote, backslash,
// invalid UTF-8), structure and numbers, each against the JSON text expected.
#include "bindtrace/format/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace bindtrace {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

std::string written(std::string_view text) {
  JsonWriter w;
  w.string(text);
  return std::string(w.view());
}

// What one byte becomes inside a JSON string, for the bytes that stand alone:
// ASCII, and bytes >= 0x80 that cannot start a sequence with their neighbours here.
std::string expected_for(unsigned char byte) {
  switch (byte) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\f':
      return "\\f";
    case '\r':
      return "\\r";
    default:
      break;
  }
  if (byte >= 0x80) return std::string(kReplacement);
  if (byte < 0x20) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "\\u%04x", byte);
    return hex;
  }
  return std::string(1, static_cast<char>(byte));
}

// --- escaping ---------------------------------------------------------------

TEST(JsonWriterEscaping, EveryControlCharacterIsEscaped) {
  EXPECT_EQ(written(std::string(1, '\0')), R"("\u0000")");
  EXPECT_EQ(written("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(written("\x01\x0b\x0e\x1b\x1f"), R"("\u0001\u000b\u000e\u001b\u001f")");
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    EXPECT_EQ(written(text), "\"" + expected_for(static_cast<unsigned char>(c)) + "\"") << "byte " << c;
  }
}

TEST(JsonWriterEscaping, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(written("say \"hi\" \\ bye"), R"("say \"hi\" \\ bye")");
}

TEST(JsonWriterEscaping, DelIsKeptRaw) {
  EXPECT_EQ(written("a\x7f"
                    "b"),
            "\"a\x7f"
            "b\"");
}

TEST(JsonWriterEscaping, ValidMultiByteUtf8IsKept) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d \xe2\x80\xae";  // é € snake, RLO
  EXPECT_EQ(written(text), "\"" + text + "\"");
}

TEST(JsonWriterEscaping, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(written("a\xff"
                    "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(written("\xc3"), "\"\xef\xbf\xbd\"");                     // truncated at the end
  // A surrogate and an overlong form: each byte of the maximal invalid subparts is one U+FFFD.
  EXPECT_EQ(written("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(written("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  // A valid lead and continuation cut short by an ASCII byte: one U+FFFD, then the byte.
  EXPECT_EQ(written("\xe2\x82x"), "\"\xef\xbf\xbdx\"");
  EXPECT_EQ(written("\xf5\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // above U+10FFFF
}

TEST(JsonWriterEscaping, ControlCharactersAfterNonAsciiAreStillEscaped) {
  EXPECT_EQ(written("\xc3\xa9\n\xff\"\x01"), "\"\xc3\xa9\\n\xef\xbf\xbd\\\"\\u0001\"");
}

// The writer checks eight bytes at a time: a special byte is found wherever it sits.
TEST(JsonWriterEscaping, SpecialByteAtEveryPositionOfABlock) {
  for (const char special : {'"', '\\', '\x00', '\x1f', '\x7f', '\x80', '\xff', ' ', '~'}) {
    for (std::size_t at = 0; at < 20; ++at) {
      std::string text(20, 'x');
      text[at] = special;
      const std::string expected = "\"" + std::string(at, 'x') + expected_for(static_cast<unsigned char>(special)) +
                                   std::string(19 - at, 'x') + "\"";
      ASSERT_EQ(written(text), expected) << "byte " << int(special) << " at " << at;
    }
  }
}

// Random bytes, weighted towards the awkward ones: whatever they are, the
// writer's output is one JSON string a strict parser accepts.
TEST(JsonWriterEscaping, RandomBytesAlwaysGiveAValidJsonString) {
  static constexpr unsigned char kAwkward[] = {
      0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, '"',  '\\', 'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f,
      0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xfe, 0xff};
  std::mt19937 random(20261122);
  std::uniform_int_distribution<std::size_t> length(0, 40);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::uniform_int_distribution<std::size_t> awkward(0, sizeof(kAwkward) - 1);
  for (int round = 0; round < 20000; ++round) {
    std::string text(length(random), '\0');
    for (char& c : text) {
      c = static_cast<char>(round % 2 == 0 ? kAwkward[awkward(random)] : any_byte(random));
    }
    const std::string json = written(text);
    ASSERT_TRUE(nlohmann::json::accept(json)) << "round " << round;
    ASSERT_TRUE(nlohmann::json::parse(json).is_string()) << "round " << round;
  }
}

// Text that is valid UTF-8 (random code points, controls included) reads back unchanged.
TEST(JsonWriterEscaping, ValidUtf8ReadsBackUnchanged) {
  std::mt19937 random(20261123);
  std::uniform_int_distribution<std::uint32_t> code_point(0, 0x10ffff);
  std::uniform_int_distribution<std::size_t> length(0, 30);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (std::size_t i = length(random); i > 0; --i) {
      std::uint32_t cp = code_point(random);
      if (round % 2 == 0) cp &= 0x7f;                // ASCII only, half the time
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;  // no surrogates
      if (cp < 0x80) {
        text += static_cast<char>(cp);
      } else if (cp < 0x800) {
        text += static_cast<char>(0xc0 | (cp >> 6));
        text += static_cast<char>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        text += static_cast<char>(0xe0 | (cp >> 12));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        text += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        text += static_cast<char>(0xf0 | (cp >> 18));
        text += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        text += static_cast<char>(0x80 | (cp & 0x3f));
      }
    }
    ASSERT_EQ(nlohmann::json::parse(written(text)).get<std::string>(), text) << "round " << round;
  }
}

// --- structure and numbers ----------------------------------------------------

TEST(JsonWriter, NestedObjectsAndArraysGetCommasOnlyBetweenValues) {
  JsonWriter w;
  w.begin_object();
  w.member("a", 1);
  w.key("empty");
  w.begin_object();
  w.end_object();
  w.key("list");
  w.begin_array();
  w.number(1);
  w.begin_array();
  w.end_array();
  w.begin_object();
  w.member("x", "y");
  w.end_object();
  w.null();
  w.end_array();
  w.member("flag", false);
  w.member("text", "v");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"a":1,"empty":{},"list":[1,[],{"x":"y"},null],"flag":false,"text":"v"})");
}

TEST(JsonWriter, StringLiteralIsAStringNotABool) {
  JsonWriter w;
  w.begin_object();
  w.member("source", "recorder");
  w.end_object();
  EXPECT_EQ(w.view(), R"({"source":"recorder"})");
}

TEST(JsonWriter, IntegersPrintInDecimal) {
  JsonWriter w;
  w.begin_array();
  w.number(std::numeric_limits<std::int64_t>::min());
  w.number(std::numeric_limits<std::int64_t>::max());
  w.number(std::numeric_limits<std::uint64_t>::max());
  w.number(std::int64_t{-1});
  w.number(0);
  w.number(std::uint16_t{65535});
  w.end_array();
  EXPECT_EQ(w.view(), "[-9223372036854775808,9223372036854775807,18446744073709551615,-1,0,65535]");
}

TEST(JsonWriter, GrowsPastItsFirstCapacity) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += static_cast<char>(i % 3 == 0 ? '\x01' : i % 3 == 1 ? '\xff' : 'a');
  JsonWriter w(1);
  w.begin_array();
  w.string(text);
  w.number(-42);
  w.end_array();
  std::string expected = "[\"";
  for (int i = 0; i < 5000; ++i) expected += expected_for(static_cast<unsigned char>(text[i]));
  EXPECT_EQ(w.view(), expected + "\",-42]");
}

TEST(JsonWriter, TakeMovesTheTextOutAndStartsOver) {
  JsonWriter w;
  w.begin_array();
  w.boolean(true);
  w.end_array();
  EXPECT_EQ(w.take(), "[true]");
  EXPECT_EQ(w.view(), "");
  w.begin_object();
  w.end_object();
  EXPECT_EQ(w.take(), "{}");
}

}  // namespace
}  // namespace bindtrace
