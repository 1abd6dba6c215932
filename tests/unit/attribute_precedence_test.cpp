// The precedence of docs/attribution.md: which rule wins when several apply.
#include <gtest/gtest.h>

#include "bindtrace/attribute.hpp"

namespace bindtrace {
namespace {

const std::string kD = "7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8";
const std::string kP = "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";
const Ancestor kInit{1, "systemd", "/sbin/init"};
const Ancestor kSupervisord{700, "supervisord", "/usr/bin/python3 /usr/bin/supervisord -n"};
const std::map<std::string, std::string> kSupervisedEnv = {{"SUPERVISOR_ENABLED", "1"},
                                                           {"SUPERVISOR_PROCESS_NAME", "backend"},
                                                           {"SUPERVISOR_GROUP_NAME", "backend"}};

ProcessSnapshot process(std::string cgroup) {
  ProcessSnapshot snapshot;
  snapshot.pid = 1207;
  snapshot.ppid = 700;
  snapshot.comm = "uvicorn";
  snapshot.cgroup_lines = {"0::" + cgroup};
  return snapshot;
}

TEST(AttributePrecedence, ForwarderComesBeforeItsOwnCgroup) {
  ProcessSnapshot snapshot = process("/system.slice/docker.service");
  snapshot.comm = "docker-proxy";
  snapshot.argv = {"/usr/bin/docker-proxy", "-container-ip", "172.17.0.2", "-container-port", "8000"};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "container at 172.17.0.2:8000");
}

TEST(AttributePrecedence, ContainerInsideAUnitReportsBoth) {
  const Service service = attribute(process("/system.slice/ci-runner.service/docker/" + kD));
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "7951fb549ab9");
  EXPECT_EQ(service.outer, "ci-runner.service");
}

TEST(AttributePrecedence, ContainerBeatsAnInProcessManagerInside) {
  ProcessSnapshot snapshot = process("/system.slice/docker-" + kD + ".scope");
  snapshot.environ = kSupervisedEnv;
  snapshot.ancestors = {kSupervisord, kInit};
  EXPECT_EQ(attribute(snapshot).manager, ManagerKind::docker);
}

TEST(AttributePrecedence, SupervisorInsideSupervisorServiceReportsBoth) {
  ProcessSnapshot snapshot = process("/system.slice/supervisor.service");
  snapshot.environ = kSupervisedEnv;
  snapshot.ancestors = {kSupervisord, kInit};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.name, "backend:backend");
  EXPECT_EQ(service.outer, "supervisor.service");
}

TEST(AttributePrecedence, CgroupWinsWhenEnvironmentDisagrees) {
  // SUPERVISOR_* inherited into a process that systemd runs: no supervisord above it.
  ProcessSnapshot snapshot = process("/system.slice/connexa-backend.service");
  snapshot.ppid = 1;
  snapshot.environ = kSupervisedEnv;
  snapshot.ancestors = {kInit};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "connexa-backend.service");
}

TEST(AttributePrecedence, UnreadableEnvironDegradesToTheUnit) {
  ProcessSnapshot snapshot = process("/system.slice/connexa-backend.service");
  snapshot.environ_readable = false;
  snapshot.ancestors = {kInit};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "connexa-backend.service");
  EXPECT_EQ(service.partial, "environ unreadable");
}

TEST(AttributePrecedence, UnreadableEnvironUnderSupervisordStillNamesTheManager) {
  ProcessSnapshot snapshot = process("/system.slice/supervisor.service");
  snapshot.environ_readable = false;
  snapshot.ancestors = {kSupervisord, kInit};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.outer, "supervisor.service");
  EXPECT_EQ(service.partial, "environ unreadable");
}

TEST(AttributePrecedence, InProcessManagerBeatsSocketActivationButKeepsTheNote) {
  ProcessSnapshot snapshot = process("/system.slice/supervisor.service");
  snapshot.environ = kSupervisedEnv;
  snapshot.environ["LISTEN_PID"] = "1207";
  snapshot.environ["LISTEN_FDS"] = "1";
  snapshot.ancestors = {kSupervisord, kInit};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.notes.size(), 1u);
}

TEST(AttributePrecedence, ServiceUnitBeatsNohupHeuristic) {
  ProcessSnapshot snapshot = process("/system.slice/legacy.service");
  snapshot.ppid = 1;
  snapshot.sig_ign = 1;
  snapshot.stdout_target = "/opt/legacy/nohup.out";
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_TRUE(service.notes.empty());
}

TEST(AttributePrecedence, PodmanPayloadInCephUnitIsPodmanWithOuterUnit) {
  const Service service = attribute(process("/system.slice/ceph-x@mon.a.service/libpod-payload-" + kP));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.outer, "ceph-x@mon.a.service");
}

TEST(AttributePrecedence, NothingKnownIsNone) {
  ProcessSnapshot snapshot;
  snapshot.pid = 50;
  snapshot.ppid = 49;
  EXPECT_EQ(attribute(snapshot), Service{});
}

}  // namespace
}  // namespace bindtrace
