#include "bindtrace/events/escape.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bindtrace {
namespace {

using std::string_literals::operator""s;  // "\0..."s keeps embedded NULs

TEST(EscapeForTerminal, PrintableAsciiPassesThrough) {
  EXPECT_EQ(escape_for_terminal("uvicorn app:main --port 8001"), "uvicorn app:main --port 8001");
}

TEST(EscapeForTerminal, PrintableUtf8PassesThrough) {
  const std::string text = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82";  // café 日本 🙂
  EXPECT_EQ(escape_for_terminal(text), text);
}

TEST(EscapeForTerminal, NewlineTabAndCarriageReturnBecomeEscapes) {
  EXPECT_EQ(escape_for_terminal("a\nb\tc\rd"), "a\\nb\\tc\\rd");
}

TEST(EscapeForTerminal, TerminalEscapeSequenceIsNeutralised) {
  EXPECT_EQ(escape_for_terminal("\x1b]0;pwned\x07\x1b[31mred"), "\\x1b]0;pwned\\x07\\x1b[31mred");
}

TEST(EscapeForTerminal, NulBecomesHexEscape) {
  EXPECT_EQ(escape_for_terminal("@a\0b"s), "@a\\x00b");
}

TEST(EscapeForTerminal, DelBecomesHexEscape) {
  EXPECT_EQ(escape_for_terminal("a\x7f"), "a\\x7f");
}

TEST(EscapeForTerminal, BackslashIsDoubled) {
  EXPECT_EQ(escape_for_terminal("C:\\x1b"), "C:\\\\x1b");
}

TEST(EscapeForTerminal, C1ControlBecomesUnicodeEscape) {
  EXPECT_EQ(escape_for_terminal("a\xc2\x9b[31m"), "a\\u009b[31m");  // U+009B is CSI
  EXPECT_EQ(escape_for_terminal("\xc2\x80"), "\\u0080");
}

TEST(EscapeForTerminal, BidiControlsBecomeUnicodeEscapes) {
  EXPECT_EQ(escape_for_terminal("a\xe2\x80\xaez"), "a\\u202ez");  // RLO
  EXPECT_EQ(escape_for_terminal("\xe2\x81\xa6"), "\\u2066");      // LRI
  EXPECT_EQ(escape_for_terminal("\xe2\x80\x8f"), "\\u200f");      // RLM
}

TEST(EscapeForTerminal, InvalidByteBecomesHexEscape) {
  EXPECT_EQ(escape_for_terminal("a\xffz"), "a\\xffz");
}

TEST(EscapeForTerminal, OverlongEncodingIsEscapedPerByte) {
  EXPECT_EQ(escape_for_terminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(escape_for_terminal("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong '/'
}

TEST(EscapeForTerminal, SurrogateIsEscapedPerByte) {
  EXPECT_EQ(escape_for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

TEST(EscapeForTerminal, CodePointAboveMaximumIsEscapedPerByte) {
  EXPECT_EQ(escape_for_terminal("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(EscapeForTerminal, TruncatedSequenceIsEscapedPerByte) {
  EXPECT_EQ(escape_for_terminal("a\xe2\x82"), "a\\xe2\\x82");
  EXPECT_EQ(escape_for_terminal("\xe2\x82z"), "\\xe2\\x82z");
}

TEST(EscapeForTerminal, OutputNeverContainsControlBytes) {
  for (int first = 0; first < 256; ++first) {
    for (int second = 0; second < 256; ++second) {
      const std::string input{static_cast<char>(first), static_cast<char>(second)};
      for (const char c : escape_for_terminal(input)) {
        const auto byte = static_cast<unsigned char>(c);
        ASSERT_TRUE(byte >= 0x20 && byte != 0x7f) << first << "," << second;
      }
    }
  }
}

TEST(ToValidUtf8, ValidTextIsUnchangedIncludingControls) {
  const std::string text = "caf\xc3\xa9\n\x1b[0m\xe2\x80\xae"s + '\0';
  EXPECT_EQ(to_valid_utf8(text), text);
}

TEST(ToValidUtf8, InvalidByteBecomesReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("a\xffz"), "a\xef\xbf\xbdz");
}

TEST(ToValidUtf8, TruncatedSequenceBecomesOneReplacement) {
  EXPECT_EQ(to_valid_utf8("\xe2\x82z"), "\xef\xbf\xbdz");
}

TEST(ToValidUtf8, SurrogateBecomesOneReplacementPerByte) {
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(JoinCmdline, ArgumentsAreSeparatedBySpaces) {
  EXPECT_EQ(join_cmdline("python3\0-m\0http.server\0"s), "python3 -m http.server");
}

TEST(JoinCmdline, TrailingNulsAreDropped) {
  EXPECT_EQ(join_cmdline("sleep\0inf\0\0\0"s), "sleep inf");
}

TEST(JoinCmdline, EmptyArgumentsKeepTheirSpaces) {
  EXPECT_EQ(join_cmdline("a\0\0b"s), "a  b");
}

TEST(JoinCmdline, EmptyCmdlineStaysEmpty) {
  EXPECT_EQ(join_cmdline(""), "");
}

TEST(JoinCmdline, LongCmdlineIsCappedWithEllipsis) {
  const std::string joined = join_cmdline("aaaa\0bbbbbb\0"s, 8);
  EXPECT_EQ(joined, "aaaa ...");
}

TEST(JoinCmdline, CapDoesNotSplitUtf8Character) {
  // "ab" + U+65E5 (3 bytes) + "zzzz": a cut after 4 bytes would land inside the character.
  EXPECT_EQ(join_cmdline("ab\xe6\x97\xa5zzzz", 7), "ab...");
}

}  // namespace
}  // namespace bindtrace
