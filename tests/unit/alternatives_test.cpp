// Choosing candidate ports near a taken one: order, ephemeral range,
// privileged ports; and parsing ip_local_port_range.
#include <gtest/gtest.h>

#include "bindtrace/owner/alternatives.hpp"

namespace bindtrace {
namespace {

TEST(Alternatives, NearestFirstAlternatingUpAndDown) {
  EXPECT_EQ(candidate_ports(8001, {32768, 60999}, 1024, false, 4), (std::vector<std::uint16_t>{8002, 8000, 8003, 7999}));
}

TEST(Alternatives, EphemeralRangeIsSkipped) {
  EXPECT_EQ(candidate_ports(32767, {32768, 60999}, 1024, false, 2), (std::vector<std::uint16_t>{32766, 32765}));
}

TEST(Alternatives, PrivilegedPortsOnlyForPrivilegedCallers) {
  EXPECT_EQ(candidate_ports(1024, {32768, 60999}, 1024, false, 2), (std::vector<std::uint16_t>{1025, 1026}));
  EXPECT_EQ(candidate_ports(1024, {32768, 60999}, 1024, true, 2), (std::vector<std::uint16_t>{1025, 1023}));
}

TEST(Alternatives, TopOfTheRangeOnlyGoesDown) {
  EXPECT_EQ(candidate_ports(65535, {32768, 60999}, 1024, false, 2), (std::vector<std::uint16_t>{65534, 65533}));
}

TEST(Alternatives, PortRangeFileIsParsed) {
  const auto r = parse_port_range("32768\t60999\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 32768);
  EXPECT_EQ(r->last, 60999);
  EXPECT_FALSE(parse_port_range("garbage"));
  EXPECT_FALSE(parse_port_range("9 1"));
}

}  // namespace
}  // namespace bindtrace
