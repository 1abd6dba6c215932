// The shared number and size parsers, and the edit distance behind every
// "did you mean" (command line and config file).
#include <gtest/gtest.h>

#include "bindtrace/cli/edit_distance.hpp"
#include "bindtrace/cli/numbers.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

TEST(Numbers, DecimalIsDigitsOnly) {
  EXPECT_EQ(parse_number<std::uint64_t>("0"), 0u);
  EXPECT_EQ(parse_number<std::uint64_t>("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616", "1\n"})
    EXPECT_FALSE(parse_number<std::uint64_t>(bad)) << "'" << bad << "'";
}

TEST(Numbers, EachTypeRejectsWhatItCannotHold) {
  EXPECT_EQ(parse_number<std::uint32_t>("4294967295"), 4294967295u);
  EXPECT_FALSE(parse_number<std::uint32_t>("4294967296"));
  EXPECT_EQ(parse_number<int>("-7"), -7);
  EXPECT_EQ(parse_number<std::uint64_t>("1f", 16), 31u);
  EXPECT_FALSE(parse_number<std::uint64_t>("1g", 16));
}

TEST(Numbers, PortsAreZeroTo65535) {
  EXPECT_EQ(parse_port("0"), 0);
  EXPECT_EQ(parse_port("65535"), 65535);
  for (const char* bad : {"65536", "", "-1", "80/tcp", "0x50", " 80"}) EXPECT_FALSE(parse_port(bad)) << "'" << bad << "'";
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
