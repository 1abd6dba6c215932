#include "bindtrace/events/errno_names.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace bindtrace {
namespace {

TEST(ErrnoNames, AddrInUseHasItsSymbolicName) {
  EXPECT_EQ(errno_name(98), "EADDRINUSE");
}

TEST(ErrnoNames, AddrInUseHasItsDescription) {
  EXPECT_EQ(errno_description(98), "Address already in use");
}

TEST(ErrnoNames, TableSpansEpermToEhwpoison) {
  EXPECT_EQ(errno_name(1), "EPERM");
  EXPECT_EQ(errno_name(133), "EHWPOISON");
  EXPECT_EQ(errno_description(133), "Memory page has hardware error");
}

TEST(ErrnoNames, NumbersMatchLinuxErrnoMacros) {
  const std::pair<int, std::string_view> cases[] = {
      {EACCES, "EACCES"},
      {EADDRINUSE, "EADDRINUSE"},
      {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
      {EAFNOSUPPORT, "EAFNOSUPPORT"},
      {EINVAL, "EINVAL"},
      {ECONNREFUSED, "ECONNREFUSED"},
      {ENOTSOCK, "ENOTSOCK"},
      {EOPNOTSUPP, "EOPNOTSUPP"},
      {ETIMEDOUT, "ETIMEDOUT"},
      {EKEYEXPIRED, "EKEYEXPIRED"},
      {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
      {EHWPOISON, "EHWPOISON"},
  };
  for (const auto& [number, name] : cases) EXPECT_EQ(errno_name(number), name) << number;
}

TEST(ErrnoNames, UnassignedAndOutOfRangeNumbersHaveNoName) {
  for (const int err : {-1, 0, 41, 58, 134, 4095}) {
    EXPECT_EQ(errno_name(err), "") << err;
    EXPECT_EQ(errno_description(err), "") << err;
  }
}

TEST(ErrnoNames, ParseAcceptsFullNameInAnyCase) {
  EXPECT_EQ(parse_errno("EADDRINUSE"), 98);
  EXPECT_EQ(parse_errno("eaddrinuse"), 98);
  EXPECT_EQ(parse_errno("EAddrInUse"), 98);
}

TEST(ErrnoNames, ParseAcceptsNameWithoutLeadingE) {
  EXPECT_EQ(parse_errno("ADDRINUSE"), 98);
  EXPECT_EQ(parse_errno("addrinuse"), 98);
  EXPECT_EQ(parse_errno("2big"), 7);
}

TEST(ErrnoNames, ParsePrefersFullNameOverNameWithoutE) {
  // "EXDEV" is a name; "XDEV" is the same one without its E.
  EXPECT_EQ(parse_errno("EXDEV"), 18);
  EXPECT_EQ(parse_errno("EXIST"), 17);
}

TEST(ErrnoNames, ParseAcceptsDecimalUpToMaxErrno) {
  EXPECT_EQ(parse_errno("1"), 1);
  EXPECT_EQ(parse_errno("98"), 98);
  EXPECT_EQ(parse_errno("4095"), 4095);
}

TEST(ErrnoNames, ParseRejectsWhatIsNeitherNameNorNumber) {
  for (const std::string_view text :
       {"", "0", "-1", "+98", "98x", " 98", "4096", "99999999999999999999", "EFOO", "E", "ADDR"}) {
    EXPECT_EQ(parse_errno(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(ErrnoNames, EveryNameParsesBackToItsNumber) {
  for (int err = 1; err <= 133; ++err) {
    const std::string_view name = errno_name(err);
    if (name.empty()) continue;
    EXPECT_EQ(parse_errno(name), err) << name;
    EXPECT_EQ(parse_errno(name.substr(1)), err) << name;
  }
}

}  // namespace
}  // namespace bindtrace
