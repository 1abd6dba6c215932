// The tests' own model of safe text (tests/support/expected_text.hpp) agrees
// with the product's helpers on inputs whose answer is known by hand, so a
// test that uses the model checks the product against an independent answer.
#include <gtest/gtest.h>

#include <string>

#include "bindtrace/events/escape.hpp"
#include "expected_text.hpp"

namespace bindtrace {
namespace {

using testing::cmdline_as_shown;
using testing::is_valid_utf8;
using testing::with_replacements;

TEST(ExpectedText, ReplacementsByHand) {
  EXPECT_EQ(with_replacements("plain"), "plain");
  EXPECT_EQ(with_replacements("a\xffz"), "a\xef\xbf\xbdz");
  EXPECT_EQ(with_replacements("\xe2\x82z"), "\xef\xbf\xbdz");               // a cut sequence: one
  EXPECT_EQ(with_replacements("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(with_replacements("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");      // an overlong '/'
  EXPECT_EQ(with_replacements("\xf4\x90\x80\x80"),  // above U+10FFFF: one per byte
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(with_replacements("\xe2\x82\xac"), "\xe2\x82\xac");              // the euro sign stays
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
}

TEST(ExpectedText, CmdlineByHand) {
  EXPECT_EQ(cmdline_as_shown(std::string("python3\0-m\0http.server\0", 23)), "python3 -m http.server");
  EXPECT_EQ(cmdline_as_shown(std::string(10, 'x'), 8), "xxxxx...");
  // "é" is two bytes: the cut backs off rather than split it.
  EXPECT_EQ(cmdline_as_shown("abcd\xc3\xa9zzzz", 8), "abcd...");
}

// The model and the product agree on a sweep of short byte strings.
TEST(ExpectedText, AgreesWithTheProductOnEveryTwoByteString) {
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; b += 7) {
      const std::string s{static_cast<char>(a), static_cast<char>(b), '\xbf'};
      ASSERT_EQ(with_replacements(s), to_valid_utf8(s)) << a << " " << b;
    }
}

}  // namespace
}  // namespace bindtrace
