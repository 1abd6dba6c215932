// The managers' stop commands, built from the owner's Service, and the
// supervisord configuration found from its command line.
#include <gtest/gtest.h>

#include "bindtrace/actions/stop_unit.hpp"

namespace bindtrace {
namespace {

using Argv = std::vector<std::string>;

TEST(ActionStopUnit, SystemUnitStopsThroughSystemctl) {
  const Service s{
      .manager = ManagerKind::systemd, .name = "web.service", .unit = "web.service", .scope = "system"};
  EXPECT_EQ(unit_stop_command(s, "").argv, (Argv{"systemctl", "stop", "web.service"}));
}

TEST(ActionStopUnit, UserUnitStopsThroughItsUsersManager) {
  const Service s{.manager = ManagerKind::systemd,
                  .name = "web.service",
                  .unit = "web.service",
                  .scope = "user",
                  .uid = 1000};
  EXPECT_EQ(unit_stop_command(s, "").argv,
            (Argv{"systemctl", "--user", "--machine=1000@", "stop", "web.service"}));
}

TEST(ActionStopUnit, LoginSessionIsNotStopped) {
  const Service s{.manager = ManagerKind::systemd,
                  .name = "session-3.scope",
                  .unit = "session-3.scope",
                  .scope = "session"};
  const UnitCommand c = unit_stop_command(s, "");
  EXPECT_TRUE(c.argv.empty());
  EXPECT_EQ(c.refusal, "the owner runs in a login session (session-3.scope); use --act stop-owner");
}

TEST(ActionStopUnit, SupervisorProgramStopsThroughSupervisorctlWithItsConfig) {
  const Service s{.manager = ManagerKind::supervisor, .name = "web:api", .program = "api", .group = "web"};
  EXPECT_EQ(unit_stop_command(s, "/srv/sv.conf").argv,
            (Argv{"supervisorctl", "-c", "/srv/sv.conf", "stop", "web:api"}));
  EXPECT_EQ(unit_stop_command(s, "").argv, (Argv{"supervisorctl", "stop", "web:api"}));
}

TEST(ActionStopUnit, ContainersStopByFullId) {
  const std::string id(64, 'a');
  EXPECT_EQ(unit_stop_command(
                Service{.manager = ManagerKind::docker, .name = "aaaaaaaaaaaa", .container_id = id}, "")
                .argv,
            (Argv{"docker", "stop", id}));
  EXPECT_EQ(unit_stop_command(
                Service{.manager = ManagerKind::podman, .name = "aaaaaaaaaaaa", .container_id = id}, "")
                .argv,
            (Argv{"podman", "stop", id}));
}

TEST(ActionStopUnit, AContainerRunByAUserUnitStopsThroughThatUnit) {
  Service forwarder{.manager = ManagerKind::podman, .name = "a rootless podman container (rootlessport)"};
  forwarder.unit = "podman-qdrant.service";
  forwarder.scope = "user";
  forwarder.uid = 1000;
  forwarder.outer = "podman-qdrant.service";
  EXPECT_EQ(unit_stop_command(forwarder, "").argv,
            (Argv{"systemctl", "--user", "--machine=1000@", "stop", "podman-qdrant.service"}));
}

TEST(ActionStopUnit, Pm2AppStopsByName) {
  EXPECT_EQ(unit_stop_command(Service{.manager = ManagerKind::pm2, .name = "api", .program = "api"}, "").argv,
            (Argv{"pm2", "stop", "api"}));
}

TEST(ActionStopUnit, ManagersWithoutAStopCommandAreRefused) {
  for (const auto& [manager, name] :
       {std::pair{ManagerKind::tmux, "tmux"}, std::pair{ManagerKind::adhoc, "adhoc"},
        std::pair{ManagerKind::kubernetes, "kubernetes"}, std::pair{ManagerKind::none, "none"}}) {
    const UnitCommand c = unit_stop_command(Service{.manager = manager, .name = "x"}, "");
    EXPECT_TRUE(c.argv.empty()) << name;
    EXPECT_EQ(c.refusal, std::string("no manager command for ") + name + " (use --act stop-owner)");
  }
}

TEST(ActionStopUnit, SupervisordConfigFromEverySpellingOfTheOption) {
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "-n", "-c", "/etc/s.conf"}, "/"), "/etc/s.conf");
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "-c/etc/s.conf"}, "/"), "/etc/s.conf");
  EXPECT_EQ(
      supervisord_config_from_argv({"python3", "/usr/bin/supervisord", "--configuration", "/a.conf"}, "/"),
      "/a.conf");
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "--configuration=/b.conf"}, "/"), "/b.conf");
}

TEST(ActionStopUnit, RelativeSupervisordConfigIsResolvedAgainstItsDirectory) {
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "-c", "conf/s.conf"}, "/srv/app"),
            "/srv/app/conf/s.conf");
}

TEST(ActionStopUnit, NoConfigOptionMeansTheDefaultSearch) {
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "-n"}, "/"), "");
  EXPECT_EQ(supervisord_config_from_argv({"supervisord", "-c"}, "/"), "");  // a dangling -c names nothing
}

}  // namespace
}  // namespace bindtrace
