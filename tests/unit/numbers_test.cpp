// The shared number and size parsers, and the edit distance behind every
// "did you mean" (command line and config file).
#include <gtest/gtest.h>

#include "bindtrace/cli/edit_distance.hpp"
#include "bindtrace/cli/numbers.hpp"

namespace bindtrace {
namespace {

TEST(Numbers, DecimalIsDigitsOnly) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616", "1\n"})
    EXPECT_FALSE(parse_decimal(bad)) << "'" << bad << "'";
}

TEST(Numbers, SizesTakeBinaryUnitsInEitherCase) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("256K"), 256u << 10);
  EXPECT_EQ(parse_size("8m"), 8u << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  for (const char* bad : {"", "M", "8MB", "-8M", "8 M", "1.5M", "17179869184G"})
    EXPECT_FALSE(parse_size(bad)) << "'" << bad << "'";
}

TEST(EditDistance, CountsEditsAndNeighbourSwapsAsOne) {
  EXPECT_EQ(edit_distance("who", "who"), 0u);
  EXPECT_EQ(edit_distance("whoo", "who"), 1u);
  EXPECT_EQ(edit_distance("trcae", "trace"), 1u);  // a swap
  EXPECT_EQ(edit_distance("prots", "ports"), 1u);
  EXPECT_EQ(edit_distance("", "dump"), 4u);
  EXPECT_EQ(edit_distance("agent", "unpin"), 5u);
}

}  // namespace
}  // namespace bindtrace
