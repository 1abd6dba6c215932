// uid -> login name for the remedies that reach a user's manager (-M USER@).
#include "bindtrace/proc/user_names.hpp"

#include <gtest/gtest.h>

namespace bindtrace {
namespace {

TEST(UserNames, RootIsNamed) {
  EXPECT_EQ(user_name_of(0), "root");
  EXPECT_EQ(user_name_of(0), "root");  // the cached answer is the same
}

TEST(UserNames, AUidWithoutAnEntryHasNoName) {
  EXPECT_EQ(user_name_of(4'000'000'123u), std::nullopt);
}

TEST(UserNames, TheServicesUidIsNamed) {
  Service service;
  service.uid = 0;
  add_user_name(service);
  EXPECT_EQ(service.user, "root");
}

TEST(UserNames, NoUidNoName) {
  Service service;
  add_user_name(service);
  EXPECT_EQ(service.user, "");
}

}  // namespace
}  // namespace bindtrace
