// C1-C3 of docs/attribution.md: ports owned by systemd .socket units.
#include <gtest/gtest.h>

#include <algorithm>

#include "bindtrace/attribute.hpp"
#include "bindtrace/attribute/socket_activation.hpp"

namespace bindtrace {
namespace {

bool has_note(const Service& service, std::string_view note) {
  return std::find(service.notes.begin(), service.notes.end(), note) != service.notes.end();
}

TEST(AttributeSocketActivation, PidOneHoldingTheSocketIsASystemSocketUnit) {  // C1
  ProcessSnapshot snapshot;
  snapshot.pid = 1;
  snapshot.comm = "systemd";
  snapshot.argv = {"/sbin/init", "splash"};
  snapshot.cgroup_lines = {"0::/init.scope"};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "a .socket unit of systemd (pid 1)");
  EXPECT_EQ(service.scope, "system");
  EXPECT_TRUE(has_note(service, "socket activation"));
  EXPECT_TRUE(service.socket_activation);
}

TEST(AttributeSocketActivation, ListenPidOfItselfMeansTheSocketWasHandedOver) {  // C2
  ProcessSnapshot snapshot;
  snapshot.pid = 812;
  snapshot.ppid = 1;
  snapshot.comm = "cupsd";
  snapshot.cgroup_lines = {"0::/system.slice/cups.service"};
  snapshot.environ = {{"LISTEN_PID", "812"}, {"LISTEN_FDS", "2"}};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "cups.service");
  EXPECT_EQ(service.socket_unit, "cups.socket");
  EXPECT_TRUE(has_note(service, kSocketHandedOverNote));
  EXPECT_TRUE(service.socket_handed_over);
}

TEST(AttributeSocketActivation, ListenPidOfAnotherProcessIsStale) {  // C2, negative
  ProcessSnapshot snapshot;
  snapshot.pid = 900;
  snapshot.ppid = 812;
  snapshot.cgroup_lines = {"0::/system.slice/cups.service"};
  snapshot.environ = {{"LISTEN_PID", "812"}, {"LISTEN_FDS", "2"}};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.socket_unit, "");
  EXPECT_FALSE(has_note(service, kSocketHandedOverNote));
  EXPECT_FALSE(service.socket_handed_over);
}

TEST(AttributeSocketActivation, UserManagerHoldingTheSocketIsAUserSocketUnit) {  // C3
  ProcessSnapshot snapshot;
  snapshot.pid = 1500;
  snapshot.ppid = 1;
  snapshot.comm = "systemd";
  snapshot.argv = {"/usr/lib/systemd/systemd", "--user"};
  snapshot.cgroup_lines = {"0::/user.slice/user-1000.slice/user@1000.service/init.scope"};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.uid, 1000u);
  EXPECT_EQ(service.name, "a user .socket unit of systemd --user (pid 1500)");
}

TEST(AttributeSocketActivation, DefaultSocketUnitSharesTheServiceName) {
  EXPECT_EQ(default_socket_unit("foo@bar.service"), "foo@bar.socket");
  EXPECT_EQ(default_socket_unit("session-2.scope"), "");
}

}  // namespace
}  // namespace bindtrace
