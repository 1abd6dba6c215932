// D1 and G1-G8 of docs/attribution.md: in-process managers (confirmed by an
// ancestor) and the ad hoc heuristics.
#include <gtest/gtest.h>

#include <algorithm>

#include "bindtrace/attribute.hpp"

namespace bindtrace {
namespace {

ProcessSnapshot process(std::string cgroup, std::map<std::string, std::string> environ,
                        std::vector<Ancestor> ancestors) {
  ProcessSnapshot snapshot;
  snapshot.pid = 1207;
  snapshot.ppid = ancestors.empty() ? 1 : ancestors.front().pid;
  snapshot.comm = "uvicorn";
  snapshot.cgroup_lines = {"0::" + cgroup};
  snapshot.environ = std::move(environ);
  snapshot.ancestors = std::move(ancestors);
  return snapshot;
}

const Ancestor kInit{1, "systemd", "/sbin/init"};
const Ancestor kSupervisord{700, "supervisord",
                            "/usr/bin/python3 /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf"};

bool has_note(const Service& service, std::string_view note) {
  return std::find(service.notes.begin(), service.notes.end(), note) != service.notes.end();
}

TEST(AttributeManagers, SupervisorProgramIsGroupColonProgram) {  // D1
  const Service service = attribute(process("/system.slice/supervisor.service",
                                            {{"SUPERVISOR_ENABLED", "1"},
                                             {"SUPERVISOR_PROCESS_NAME", "backend"},
                                             {"SUPERVISOR_GROUP_NAME", "backend"},
                                             {"SUPERVISOR_SERVER_URL", "unix:///var/run/supervisor.sock"}},
                                            {kSupervisord, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.name, "backend:backend");
  EXPECT_EQ(service.program, "backend");
  EXPECT_EQ(service.group, "backend");
  EXPECT_EQ(service.outer, "supervisor.service");
}

TEST(AttributeManagers, SupervisorNumprocsKeepsTheProcessName) {  // D1
  const Service service = attribute(process(
      "/system.slice/supervisor.service",
      {{"SUPERVISOR_ENABLED", "1"}, {"SUPERVISOR_PROCESS_NAME", "web_01"}, {"SUPERVISOR_GROUP_NAME", "web"}},
      {kSupervisord, kInit}));
  EXPECT_EQ(service.name, "web:web_01");
}

TEST(AttributeManagers, SupervisorEnvironmentWithoutSupervisordAncestorIsInherited) {  // D1, negative
  const Service service = attribute(process("/user.slice/user-1000.slice/session-4.scope",
                                            {{"SUPERVISOR_ENABLED", "1"},
                                             {"SUPERVISOR_PROCESS_NAME", "backend"},
                                             {"SUPERVISOR_GROUP_NAME", "backend"}},
                                            {{3000, "bash", "-bash"}, kInit}));
  EXPECT_NE(service.manager, ManagerKind::supervisor);
}

TEST(AttributeManagers, Pm2AppByNameConfirmedByGodDaemon) {  // G1
  const Service service =
      attribute(process("/system.slice/pm2-root.service", {{"pm_id", "3"}, {"name", "api"}},
                        {{800, "PM2 v5.3.0: God", "PM2 v5.3.0: God Daemon (/root/.pm2)"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::pm2);
  EXPECT_EQ(service.name, "api");
  EXPECT_EQ(service.program, "api");
  EXPECT_TRUE(has_note(service, "pm2 id 3"));
  EXPECT_EQ(service.outer, "pm2-root.service");
}

TEST(AttributeManagers, RunitServiceFromRunsvParent) {  // G2
  const Service service = attribute(process(
      "/", {}, {{900, "runsv", "runsv backend"}, {800, "runsvdir", "runsvdir -P /etc/service"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::runit);
  EXPECT_EQ(service.name, "backend");
}

TEST(AttributeManagers, S6ServiceFromS6SuperviseParent) {  // G3
  const Service service = attribute(process("/", {}, {{900, "s6-supervise", "s6-supervise backend"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::s6);
  EXPECT_EQ(service.name, "backend");
}

TEST(AttributeManagers, OpenrcServiceFromSuperviseDaemonParent) {  // G4
  const Service service = attribute(
      process("/openrc.backend", {{"RC_SVCNAME", "backend"}},
              {{900, "supervise-daemo", "supervise-daemon backend --start /usr/bin/backend"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::openrc);
  EXPECT_EQ(service.name, "backend");
}

TEST(AttributeManagers, OpenrcServiceFromItsCgroup) {  // G4
  ProcessSnapshot snapshot = process("/openrc.backend", {}, {kInit});
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::openrc);
  EXPECT_EQ(service.name, "backend");
}

TEST(AttributeManagers, OpenrcServiceFromRcSvcnameAlone) {  // G4
  const Service service = attribute(process("/", {{"RC_SVCNAME", "backend"}}, {kInit}));
  EXPECT_EQ(service.manager, ManagerKind::openrc);
  EXPECT_EQ(service.name, "backend");
}

TEST(AttributeManagers, TmuxServerPidFromTmuxVariable) {  // G5
  const Service service =
      attribute(process("/user.slice/user-1000.slice/session-2.scope",
                        {{"TMUX", "/tmp/tmux-1000/default,4242,0"}, {"TMUX_PANE", "%3"}},
                        {{4300, "bash", "-bash"}, {4242, "tmux: server", "tmux new -s dev"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::tmux);
  EXPECT_EQ(service.name, "tmux server 4242");
  EXPECT_TRUE(has_note(service, "pane %3"));
  EXPECT_EQ(service.pane, "%3");
  EXPECT_EQ(service.outer, "session-2.scope");
}

TEST(AttributeManagers, TmuxSpawnScopeIsTmux) {  // G5
  const Service service = attribute(process(
      "/user.slice/user-1000.slice/user@1000.service/tmux-spawn-6c8a1f0e-9b1d-4f4e-8a7a-2f9e3c1d5b7a.scope",
      {}, {{4300, "bash", "-bash"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::tmux);
}

TEST(AttributeManagers, TmuxVariableWithoutItsServerIsInherited) {  // G5, negative
  const Service service =
      attribute(process("/system.slice/nginx.service", {{"TMUX", "/tmp/tmux-1000/default,4242,0"}}, {kInit}));
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "nginx.service");
}

TEST(AttributeManagers, ScreenSessionFromSty) {  // G6
  const Service service =
      attribute(process("/user.slice/user-1000.slice/session-2.scope", {{"STY", "12345.pts-0.host"}},
                        {{12400, "bash", "/bin/bash"}, {12345, "screen", "SCREEN"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::screen);
  EXPECT_EQ(service.name, "screen session 12345");
}

TEST(AttributeManagers, NearestConfirmedManagerWins) {
  // supervisord started from a tmux pane: the program is supervisor's, not tmux's.
  const Service service =
      attribute(process("/user.slice/user-1000.slice/session-2.scope",
                        {{"TMUX", "/tmp/tmux-1000/default,4242,0"},
                         {"SUPERVISOR_PROCESS_NAME", "api"},
                         {"SUPERVISOR_GROUP_NAME", "api"}},
                        {kSupervisord, {4300, "bash", "-bash"}, {4242, "tmux: server", "tmux"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
}

TEST(AttributeManagers, OrphanInALoginSessionIsAdhocWithTheSession) {  // G7
  ProcessSnapshot snapshot = process("/user.slice/user-1000.slice/session-2.scope", {}, {kInit});
  snapshot.nspid = {1207};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::adhoc);
  EXPECT_EQ(service.name, "pid 1207");
  EXPECT_TRUE(has_note(service, "orphaned"));
  EXPECT_TRUE(service.orphaned);
  EXPECT_EQ(service.unit, "session-2.scope");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeManagers, OrphanInTheRootCgroupIsAdhoc) {  // G7
  EXPECT_EQ(attribute(process("/", {}, {kInit})).manager, ManagerKind::adhoc);
}

TEST(AttributeManagers, PpidOneInAChildPidNamespaceIsNotOrphaned) {  // G7, negative
  ProcessSnapshot snapshot = process("/", {}, {kInit});
  snapshot.nspid = {1207, 1};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::none);
  EXPECT_FALSE(has_note(service, "orphaned"));
  EXPECT_FALSE(service.orphaned);
}

TEST(AttributeManagers, PpidOneOfASubreaperIsNotOrphaned) {  // G7, negative
  ProcessSnapshot snapshot = process("/", {}, {kInit});
  snapshot.parent_is_subreaper = true;
  EXPECT_EQ(attribute(snapshot).manager, ManagerKind::none);
}

TEST(AttributeManagers, DaemonInAServiceIsNotOrphaned) {  // G7 only when nothing else matched
  const Service service = attribute(process("/system.slice/nginx.service", {}, {kInit}));
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_FALSE(has_note(service, "orphaned"));
}

TEST(AttributeManagers, NohupNeedsSighupIgnoredAndNohupOut) {  // G8
  ProcessSnapshot snapshot =
      process("/user.slice/user-1000.slice/session-2.scope", {}, {{3000, "bash", "-bash"}, kInit});
  snapshot.sig_ign = 0x1;
  snapshot.stdout_target = "/home/dev/nohup.out";
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::adhoc);
  EXPECT_TRUE(has_note(service, "nohup"));
  EXPECT_TRUE(service.nohup);
  EXPECT_FALSE(has_note(service, "orphaned"));
  EXPECT_FALSE(service.orphaned);

  snapshot.sig_ign = 0x2;  // SIGINT, not SIGHUP
  EXPECT_EQ(attribute(snapshot).manager, ManagerKind::systemd);
  snapshot.sig_ign = 0x1;
  snapshot.stdout_target = "/dev/pts/3";
  EXPECT_EQ(attribute(snapshot).manager, ManagerKind::systemd);
}

TEST(AttributeManagers, PlainProcessInRootCgroupWithLiveParentIsNone) {
  const Service service = attribute(process("/", {}, {{3000, "bash", "bash"}, kInit}));
  EXPECT_EQ(service.manager, ManagerKind::none);
  EXPECT_EQ(service.name, "");
}

}  // namespace
}  // namespace bindtrace
