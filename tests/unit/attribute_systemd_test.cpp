// B1-B9 of docs/attribution.md, with systemd's own test inputs (test-cgroup-util.c)
// where they exist: the answers must match sd_pid_get_unit()/sd_pid_get_user_unit().
#include <gtest/gtest.h>

#include "bindtrace/attribute.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {
namespace {

ProcessSnapshot in_cgroup(const std::string& path) {
  ProcessSnapshot snapshot;
  snapshot.pid = 991;
  snapshot.ppid = 1;
  snapshot.cgroup_lines = {"0::" + path};
  return snapshot;
}

TEST(AttributeSystemdUnit, ServiceBelowSystemSliceWithSubgroup) {  // B1
  const Service service = attribute(in_cgroup("/system.slice/foobar.service/sdfdsaf"));
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "foobar.service");
  EXPECT_EQ(service.unit, "foobar.service");
  EXPECT_EQ(service.scope, "system");
  EXPECT_EQ(service.slice, "system.slice");
}

TEST(AttributeSystemdUnit, TemplateInstanceKeepsItsInstanceName) {  // B2
  EXPECT_EQ(attribute(in_cgroup("/system.slice/getty@tty5.service/aaa/bbb")).name, "getty@tty5.service");
}

TEST(AttributeSystemdUnit, LeadingUnderscoreEscapeIsDropped) {  // B3
  EXPECT_EQ(attribute(in_cgroup("/system.slice/system-waldo.slice/_cpu.service/x")).name, "cpu.service");
}

TEST(AttributeSystemdUnit, NestedSlicesReportTheInnermostSlice) {  // B4
  const Service service = attribute(in_cgroup("/a.slice/a-b.slice/foo.service"));
  EXPECT_EQ(service.name, "foo.service");
  EXPECT_EQ(service.slice, "a-b.slice");
}

TEST(AttributeSystemdUnit, EscapedSliceIsMatchedEscaped) {  // B5
  const Service service =
      attribute(in_cgroup(R"(/system.slice/system-openvpn\x2dclient.slice/openvpn-client@office.service)"));
  EXPECT_EQ(service.name, "openvpn-client@office.service");
  EXPECT_EQ(service.slice, R"(system-openvpn\x2dclient.slice)");
}

TEST(AttributeSystemdUnit, EscapedUnitNameIsUnescapedOnlyForDisplay) {  // B5
  const Service service = attribute(in_cgroup(R"(/system.slice/foo\x2dbar.service)"));
  EXPECT_EQ(service.name, R"(foo\x2dbar.service)");  // what systemctl takes
  EXPECT_EQ(service.unit, "foo-bar.service");
}

TEST(AttributeSystemdUnit, LoginSessionScopeIsInteractiveWithItsUid) {  // B6
  ProcessSnapshot snapshot = in_cgroup("/user.slice/user-1000.slice/session-2.scope");
  snapshot.ppid = 3000;  // its shell
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.unit, "session-2.scope");
  EXPECT_EQ(service.scope, "session");
  EXPECT_EQ(service.uid, 1000u);
  EXPECT_EQ(service.notes, std::vector<std::string>{"interactive"});
  EXPECT_TRUE(service.interactive);
}

TEST(AttributeSystemdUnit, UserManagerUnitIsAUserUnit) {  // B7
  const Service service =
      attribute(in_cgroup("/user.slice/user-1000.slice/user@1000.service/server.service"));
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "server.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeSystemdUnit, UserUnitBelowAUserSlice) {  // B8
  const Service service =
      attribute(in_cgroup("/user.slice/user-1000.slice/user@1000.service/foobar.slice/foobar@pie.service"));
  EXPECT_EQ(service.name, "foobar@pie.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.slice, "foobar.slice");
}

TEST(AttributeSystemdUnit, UserAtWithoutUidIsNoUnit) {  // B9
  const Service service = attribute(in_cgroup("/user.slice/user-1000.slice/user@.service/server.service"));
  EXPECT_EQ(service.unit, "");
  EXPECT_NE(service.manager, ManagerKind::systemd);
}

TEST(AttributeSystemdUnit, SystemUnitOfTheUserManagerPathIsTheManager) {
  EXPECT_EQ(cgroup_system_unit("/user.slice/user-1000.slice/user@1000.service/server.service"),
            "user@1000.service");
  EXPECT_EQ(cgroup_user_unit("/user.slice/user-1000.slice/user@1000.service/server.service"),
            "server.service");
}

TEST(AttributeSystemdUnit, MatchesSystemdOwnPathTests) {
  EXPECT_EQ(cgroup_system_unit("/system.slice/getty@tty5.service/"), "getty@tty5.service");
  EXPECT_EQ(cgroup_system_unit("/system.slice/getty@tty6.service/tty5"), "getty@tty6.service");
  EXPECT_EQ(cgroup_system_unit("sadfdsafsda"), std::nullopt);
  EXPECT_EQ(cgroup_system_unit("/system.slice/getty####@tty6.service/xxx"), std::nullopt);
  EXPECT_EQ(cgroup_system_unit("/user.slice/user-1000.slice/user@.service/server.service"), std::nullopt);
  EXPECT_EQ(cgroup_user_unit("/user.slice/user-1000.slice/session-2.scope/foobar.service"), "foobar.service");
  EXPECT_EQ(cgroup_user_unit("/user.slice/user-1002.slice/session-2.scope/foobar.service/waldo"),
            "foobar.service");
  EXPECT_EQ(cgroup_user_unit("/user.slice/user-1000.slice/user@.service/server.service"), std::nullopt);
  EXPECT_EQ(cgroup_user_unit("/system.slice/foo.service"), std::nullopt);
}

TEST(AttributeSystemdUnit, OnlySlicesIsNoUnit) {
  EXPECT_EQ(cgroup_system_unit("/system.slice/system-waldo.slice"), std::nullopt);
  EXPECT_EQ(attribute(in_cgroup("/system.slice")).unit, "");
}

TEST(AttributeUnitName, ValidityFollowsSystemdForms) {
  EXPECT_TRUE(unit_name_is_valid("foo.service", kUnitNamePlain));
  EXPECT_FALSE(unit_name_is_valid("foo.service", kUnitNameInstance));
  EXPECT_TRUE(unit_name_is_valid("foo@bar.service", kUnitNameInstance));
  EXPECT_FALSE(unit_name_is_valid("foo@.service", kUnitNamePlain | kUnitNameInstance));
  EXPECT_TRUE(unit_name_is_valid("foo@.service", kUnitNameTemplate));
  EXPECT_FALSE(unit_name_is_valid("@bar.service", kUnitNameInstance));
  EXPECT_FALSE(unit_name_is_valid("foo.waldo", kUnitNamePlain));
  EXPECT_FALSE(unit_name_is_valid(".service", kUnitNamePlain));
  EXPECT_FALSE(unit_name_is_valid("foo bar.service", kUnitNamePlain));
  EXPECT_TRUE(unit_name_is_valid(R"(a\x2db:c_d.automount)", kUnitNamePlain));
  EXPECT_FALSE(unit_name_is_valid(std::string(252, 'a') + ".service", kUnitNamePlain));
}

TEST(AttributeUnitName, UnescapeDecodesHexEscapes) {
  EXPECT_EQ(unit_name_unescape(R"(system-openvpn\x2dclient.slice)"), "system-openvpn-client.slice");
  EXPECT_EQ(unit_name_unescape(R"(a\x2)"), R"(a\x2)");
}

TEST(AttributeUnitName, UserManagerUidMustBeAValidUid) {
  EXPECT_EQ(user_manager_uid("user@1000.service"), 1000u);
  EXPECT_EQ(user_manager_uid("user@.service"), std::nullopt);
  EXPECT_EQ(user_manager_uid("user@65535.service"), std::nullopt);
  EXPECT_EQ(user_manager_uid("user@abc.service"), std::nullopt);
}

}  // namespace
}  // namespace bindtrace
