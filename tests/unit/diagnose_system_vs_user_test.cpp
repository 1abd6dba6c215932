// Rule 8 of docs/diagnosis.md, system_vs_user: a system unit and a user's
// unit want the same port, whether the user unit binds it itself or through
// the container it runs (its rootlessport, pasta, slirp4netns or conmon, or
// the container's own process), and whichever side holds it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bindtrace/diagnose/diagnose.hpp"
#include "diagnose_builders.hpp"

namespace bindtrace {
namespace {

using namespace diagnose_testing;

const std::string kQdrantCmd = "/usr/bin/qdrant --config-path /etc/qdrant/config.yaml";

// As attribution fills a podman helper in a user unit's cgroup (F7).
Service in_user_unit(Service s, const std::string& unit, const std::string& user = "") {
  s.unit = unit;
  s.outer = unit;
  s.scope = "user";
  s.slice = "app.slice";
  s.uid = 1000;
  s.user = user;
  return s;
}

Service rootlessport_of(const std::string& unit, const std::string& user = "") {
  Service s = container(ManagerKind::podman, "a rootless podman container (rootlessport)");
  s.notes = {"port forwarder"};
  s.forwarder = true;
  return in_user_unit(s, unit, user);
}

Holder system_qdrant() {
  return holder(880, kQdrantCmd, "/usr/bin/qdrant", systemd("qdrant.service"), "/var/lib/qdrant", 997);
}

ProcessInfo system_qdrant_failing() {
  return process(880, kQdrantCmd, "/usr/bin/qdrant", systemd("qdrant.service"), "/var/lib/qdrant", 997);
}

TEST(DiagnoseSystemVsUser, UserUnitFailsAgainstASystemUnit) {
  const Holder system =
      holder(800, "/usr/bin/api --port 8001", "/usr/bin/api", systemd("api.service"), "/", 0);
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api --port 8001", "/usr/bin/api",
                                         systemd("api-dev.service", "user", 1000), "/", 1000),
                                 held_by({system})));
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_TRUE(contains(d.summary, "at system level by systemd unit api.service")) << d.summary;
  EXPECT_TRUE(contains(d.summary, "at user level by systemd user unit api-dev.service (uid 1000)"));
  EXPECT_EQ(d.remedies, (std::vector<std::string>{
                            "systemctl --user -M 1000@ disable --now api-dev.service  # keep the system one",
                            "systemctl --user -M 1000@ mask api-dev.service  # so nothing starts it again",
                            "systemctl disable --now api.service  # or keep the user one"}));
}

TEST(DiagnoseSystemVsUser, SystemUnitFailsAgainstAUserUnit) {
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", systemd("api.service")),
                                 held_by({holder(800, "/usr/bin/api", "/usr/bin/api",
                                                 systemd("api-dev.service", "user", 1000), "/", 1000)})));
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_EQ(d.remedies[0], "systemctl disable --now api.service  # keep the user one");
  EXPECT_EQ(d.remedies[1], "systemctl --user -M 1000@ disable --now api-dev.service  # or keep the system one");
}

TEST(DiagnoseSystemVsUser, TheUserManagerIsReachedByItsUsersName) {
  Service user_unit = systemd("api-dev.service", "user", 1000);
  user_unit.user = "alice";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", user_unit, "/", 1000),
                                 held_by({holder(800, "/usr/bin/api", "/usr/bin/api", systemd("api.service"))})));
  EXPECT_EQ(d.remedies[0], "systemctl --user -M alice@ disable --now api-dev.service  # keep the system one");
  EXPECT_EQ(d.remedies[1], "systemctl --user -M alice@ mask api-dev.service  # so nothing starts it again");
}

TEST(DiagnoseSystemVsUser, TwoSystemUnitsAreNot) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", systemd("api.service")),
                 held_by({holder(800, "/usr/bin/web", "/usr/bin/web", systemd("web.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
}

// The mission's case: the user's podman-qdrant.service publishes 6333 through
// rootlessport, which fails: system qdrant.service holds it.
TEST(DiagnoseSystemVsUser, ForwarderOfAUserUnitFailsAgainstTheSystemUnit) {
  Event e = in_use(process(6100, "rootlessport", "/usr/libexec/podman/rootlessport",
                           rootlessport_of("podman-qdrant.service", "alice"), "/", 1000),
                   held_by({system_qdrant()}, 6333), 6333);
  e.alternatives = {6334};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_EQ(d.summary,
            "port 6333 is wanted at system level by systemd unit qdrant.service and at user level by podman (a "
            "rootless podman container (rootlessport)) (inside systemd user unit podman-qdrant.service, uid 1000 "
            "alice); the system one holds it (qdrant, pid 880)");
  EXPECT_EQ(d.remedies,
            (std::vector<std::string>{
                "systemctl --user -M alice@ stop podman-qdrant.service  # keep the system one; the unit that runs "
                "the container",
                "systemctl --user -M alice@ mask podman-qdrant.service  # so nothing starts it again",
                "systemctl disable --now qdrant.service  # or keep the user one",
                "or publish the container on another host port instead (-p 6334:6333)",
                "port 6334 is free: use it instead"}));
}

TEST(DiagnoseSystemVsUser, SystemUnitFailsAgainstTheForwarderOfAUserUnit) {
  Owner o = held_by({holder(6100, "rootlessport", "/usr/libexec/podman/rootlessport",
                            rootlessport_of("podman-qdrant.service"), "/", 1000)},
                    6333);
  o.kind = OwnerKind::forwarder;
  const Diagnosis d = run(in_use(system_qdrant_failing(), o, 6333));
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_TRUE(contains(d.summary, "the user one holds it (rootlessport, pid 6100)")) << d.summary;
  EXPECT_EQ(d.remedies,
            (std::vector<std::string>{
                "systemctl disable --now qdrant.service  # keep the user one",
                "systemctl --user -M 1000@ stop podman-qdrant.service  # or keep the system one; the unit that "
                "runs the container",
                "systemctl --user -M 1000@ mask podman-qdrant.service  # so nothing starts it again",
                "or publish the container on another host port (-p <free port>:<container port>)"}));
}

TEST(DiagnoseSystemVsUser, ConmonOfAQuadletUnitHoldsIt) {
  Service conmon = container(ManagerKind::podman, "systemd-qdrant");
  conmon.notes = {"conmon"};
  conmon.conmon = true;
  Owner o = held_by({holder(6050, "/usr/bin/conmon -c abc -n systemd-qdrant", "/usr/bin/conmon",
                            in_user_unit(conmon, "qdrant.service", "alice"), "/", 1000)},
                    6333);
  o.kind = OwnerKind::forwarder;
  const Diagnosis d = run(in_use(system_qdrant_failing(), o, 6333));
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_TRUE(contains(all(d), "systemctl --user -M alice@ stop qdrant.service  # or keep the system one; the "
                               "unit that runs podman container systemd-qdrant"))
      << all(d);
}

TEST(DiagnoseSystemVsUser, TheContainersOwnProcessOfAUserUnitFails) {
  Service payload = in_user_unit(container(ManagerKind::podman, "1234567890ab"), "podman-qdrant.service");
  const Diagnosis d =
      run(in_use(process(6200, "./qdrant", "/qdrant/qdrant", payload, "/qdrant", 1000), held_by({system_qdrant()}, 6333),
                 6333));
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_EQ(d.remedies[0],
            "systemctl --user -M 1000@ stop podman-qdrant.service  # keep the system one; the unit that runs "
            "podman container 1234567890ab");
  EXPECT_TRUE(contains(all(d), "systemctl disable --now qdrant.service  # or keep the user one"));
  EXPECT_TRUE(contains(all(d), "publish the container on another host port instead (-p <free port>:6333)"));
}

TEST(DiagnoseSystemVsUser, PastaOfAUserUnitHoldsIt) {
  Service pasta = container(ManagerKind::podman, "container with netns /run/user/1000/netns/netns-0c1d");
  pasta.notes = {"port forwarder"};
  pasta.forwarder = true;
  Owner o = held_by({holder(6300, "/usr/bin/pasta --netns /run/user/1000/netns/netns-0c1d", "/usr/bin/pasta",
                            in_user_unit(pasta, "podman-qdrant.service"), "/", 1000)},
                    6333);
  o.kind = OwnerKind::forwarder;
  EXPECT_EQ(run(in_use(system_qdrant_failing(), o, 6333)).code, DiagnosisCode::system_vs_user);
}

TEST(DiagnoseSystemVsUser, TwoUserLevelSidesAreNot) {  // near miss: no system unit
  Owner o = held_by({holder(6100, "rootlessport", "/usr/libexec/podman/rootlessport",
                            rootlessport_of("podman-qdrant.service"), "/", 1000)},
                    6333);
  o.kind = OwnerKind::forwarder;
  const Diagnosis d = run(in_use(process(7, "/usr/bin/qdrant", "/usr/bin/qdrant",
                                         systemd("qdrant-dev.service", "user", 1000), "/", 1000),
                                 o, 6333));
  EXPECT_EQ(d.code, DiagnosisCode::container_port);
}

}  // namespace
}  // namespace bindtrace
