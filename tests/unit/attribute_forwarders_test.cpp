// F1-F7 of docs/attribution.md: port forwarders stand for the container behind them;
// F7: a podman forwarder, conmon or container payload in the cgroup of a unit is
// attributed to the container AND to the unit that runs it (unit, scope, slice,
// uid, outer), in one Service.
#include <gtest/gtest.h>

#include <algorithm>

#include "bindtrace/attribute.hpp"

namespace bindtrace {
namespace {

const std::string kP = "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";
const std::string kUserApp = "/user.slice/user-1000.slice/user@1000.service/app.slice/";

ProcessSnapshot forwarder(std::string comm, std::vector<std::string> argv, std::string cgroup) {
  ProcessSnapshot snapshot;
  snapshot.pid = 2100;
  snapshot.ppid = 2000;
  snapshot.uid = 1000;
  snapshot.comm = std::move(comm);
  snapshot.argv = std::move(argv);
  snapshot.cgroup_lines = {"0::" + cgroup};
  return snapshot;
}

bool has_note(const Service& service, const std::string& note) {
  return std::find(service.notes.begin(), service.notes.end(), note) != service.notes.end();
}

TEST(AttributeForwarders, DockerProxyNamesTheContainerAddress) {  // F1
  ProcessSnapshot snapshot =
      forwarder("docker-proxy",
                {"/usr/bin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "8001",
                 "-container-ip", "172.17.0.2", "-container-port", "8000"},
                "/system.slice/docker.service");
  snapshot.ancestors = {{2000, "dockerd", "/usr/bin/dockerd -H fd://"}};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "container at 172.17.0.2:8000");
  EXPECT_EQ(service.runtime, "docker");
  EXPECT_TRUE(has_note(service, "port forwarder"));
  EXPECT_TRUE(service.forwarder);
  EXPECT_TRUE(has_note(service, "host port 8001"));
}

TEST(AttributeForwarders, DockerdHoldingAPublishedPortIsDocker) {  // F2
  const Service service =
      attribute(forwarder("dockerd", {"/usr/bin/dockerd", "-H", "fd://"}, "/system.slice/docker.service"));
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_TRUE(has_note(service, "port forwarder"));
  EXPECT_TRUE(service.forwarder);
}

TEST(AttributeForwarders, ConmonNamesThePodmanContainer) {  // F3
  const Service service = attribute(forwarder(
      "conmon",
      {"/usr/bin/conmon", "--api-version", "1", "-c", kP, "-u", kP, "-r", "/usr/bin/crun", "-n", "web"},
      "/machine.slice/libpod-conmon-" + kP + ".scope"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "web");
  EXPECT_EQ(service.container_id, kP);
  EXPECT_EQ(service.notes, std::vector<std::string>{"conmon"});
  EXPECT_TRUE(service.conmon);
  EXPECT_FALSE(service.forwarder);
  EXPECT_TRUE(holds_port_for_container(service));
}

TEST(AttributeForwarders, AServiceOfItsOwnHoldsNoPortForAContainer) {
  const Service service = attribute(forwarder("nginx", {"/usr/sbin/nginx"}, "/system.slice/nginx.service"));
  EXPECT_FALSE(service.forwarder);
  EXPECT_FALSE(service.conmon);
  EXPECT_FALSE(holds_port_for_container(service));
}

TEST(AttributeForwarders, ConmonOfAKubeletContainerIsCrio) {  // F3
  const Service service = attribute(
      forwarder("conmon", {"/usr/bin/conmon", "-c", kP, "-n", "k8s_app_pod_ns_uid_0"}, "/system.slice"));
  EXPECT_EQ(service.manager, ManagerKind::cri_o);
}

TEST(AttributeForwarders, RootlessportIsARootlessPodmanContainer) {  // F4
  const Service service = attribute(
      forwarder("rootlessport", {"rootlessport"}, "/user.slice/user-1000.slice/user@1000.service/x.scope"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.uid, 1000u);
  EXPECT_TRUE(has_note(service, "port forwarder"));
  EXPECT_TRUE(service.forwarder);
}

TEST(AttributeForwarders, RootlessportChildTruncatedCommIsRecognised) {  // F4
  EXPECT_EQ(attribute(forwarder("rootlessport-ch", {}, "/")).manager, ManagerKind::podman);
}

TEST(AttributeForwarders, PastaNamesTheContainerByItsNetns) {  // F5
  const Service service =
      attribute(forwarder("pasta",
                          {"/usr/bin/pasta", "--config-net", "-t", "8080-8080:8080-8080", "--netns",
                           "/run/user/1000/netns/netns-2b1e0c5a-3f5e-4c1a-9d1e-7f0e8c2d4b6a"},
                          "/user.slice/user-1000.slice/user@1000.service/user.slice/podman.scope"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name,
            "container with netns /run/user/1000/netns/netns-2b1e0c5a-3f5e-4c1a-9d1e-7f0e8c2d4b6a");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeForwarders, PastaWithoutNetnsIsNoForwarder) {  // F5, negative
  const Service service = attribute(
      forwarder("pasta", {"/usr/bin/pasta", "-t", "8080"}, "/user.slice/user-1000.slice/session-3.scope"));
  EXPECT_NE(service.manager, ManagerKind::podman);
}

TEST(AttributeForwarders, Slirp4netnsApiSocketNamesTheContainer) {  // F6
  const Service service =
      attribute(forwarder("slirp4netns",
                          {"/usr/bin/slirp4netns", "--disable-host-loopback", "--mtu=65520", "--api-socket",
                           "/run/user/1000/libpod/tmp/" + kP + ".net", "4321", "tap0"},
                          "/user.slice/user-1000.slice/user@1000.service/user.slice/podman.scope"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "1234567890ab");
  EXPECT_EQ(service.container_id, kP);
}

TEST(AttributeForwarders, OptionWithEqualsSignIsRead) {  // F6
  const Service service =
      attribute(forwarder("slirp4netns", {"slirp4netns", "--api-socket=/tmp/abc.net", "4321", "tap0"}, "/"));
  EXPECT_EQ(service.name, "abc");
}

// ---------------------------------------------------------------- F7: the unit that runs it

ProcessSnapshot rootlessport(std::string cgroup) {
  return forwarder("rootlessport", {"rootlessport"}, std::move(cgroup));
}

TEST(AttributeContainerUnits, RootlessportOfAPodmanUserUnitNamesTheContainerAndTheUnit) {  // F4 + F7
  const Service service = attribute(rootlessport(kUserApp + "podman-qdrant.service"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "a rootless podman container (rootlessport)");
  EXPECT_TRUE(service.forwarder);
  EXPECT_EQ(service.unit, "podman-qdrant.service");
  EXPECT_EQ(service.outer, "podman-qdrant.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.slice, "app.slice");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeContainerUnits, TheUserManagersUidWinsOverTheProcesss) {  // F7
  ProcessSnapshot snapshot = rootlessport("/user.slice/user-1001.slice/user@1001.service/app.slice/web.service");
  snapshot.uid = 0;
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.uid, 1001u);
  EXPECT_EQ(service.unit, "web.service");
}

TEST(AttributeContainerUnits, ConmonOfAQuadletUnitNamesTheContainerAndTheUnit) {  // F3 + F7
  const Service service = attribute(
      forwarder("conmon", {"/usr/bin/conmon", "--api-version", "1", "-c", kP, "-u", kP, "-n", "systemd-qdrant"},
             kUserApp + "qdrant.service"));
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "systemd-qdrant");
  EXPECT_EQ(service.container_id, kP);
  EXPECT_TRUE(service.conmon);
  EXPECT_EQ(service.unit, "qdrant.service");
  EXPECT_EQ(service.outer, "qdrant.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeContainerUnits, PastaAndSlirp4netnsOfAUserUnit) {  // F5, F6 + F7
  const Service pasta = attribute(forwarder(
      "pasta", {"/usr/bin/pasta", "--config-net", "--netns", "/run/user/1000/netns/netns-0c1d"},
      kUserApp + "podman-qdrant.service"));
  EXPECT_TRUE(pasta.forwarder);
  EXPECT_EQ(pasta.name, "container with netns /run/user/1000/netns/netns-0c1d");
  EXPECT_EQ(pasta.outer, "podman-qdrant.service");
  EXPECT_EQ(pasta.scope, "user");

  const Service slirp = attribute(
      forwarder("slirp4netns", {"slirp4netns", "--api-socket", "/run/user/1000/libpod/tmp/" + kP + ".net", "9", "tap0"},
             kUserApp + "podman-qdrant.service"));
  EXPECT_EQ(slirp.name, "1234567890ab");
  EXPECT_EQ(slirp.outer, "podman-qdrant.service");
  EXPECT_EQ(slirp.unit, "podman-qdrant.service");
}

TEST(AttributeContainerUnits, ContainerPayloadOfAUserUnitCarriesTheUnitsScope) {  // E10 + unit fields
  ProcessSnapshot snapshot = forwarder("qdrant", {"./qdrant"}, kUserApp + "podman-qdrant.service/libpod-payload-" + kP);
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.container_id, kP);
  EXPECT_EQ(service.outer, "podman-qdrant.service");
  EXPECT_EQ(service.unit, "podman-qdrant.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.slice, "app.slice");
  EXPECT_EQ(service.uid, 1000u);
}

TEST(AttributeContainerUnits, ConmonOfARootfulQuadletIsRunByASystemUnit) {  // F3 + F7
  ProcessSnapshot snapshot = forwarder("conmon", {"/usr/bin/conmon", "-c", kP, "-n", "web"}, "/system.slice/web.service");
  snapshot.uid = 0;
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.outer, "web.service");
  EXPECT_EQ(service.scope, "system");
  EXPECT_EQ(service.uid, std::nullopt);
}

TEST(AttributeContainerUnits, AnExitedRootlessportIsStillPlacedInItsUnit) {  // F7, exited
  const Service service =
      attribute_exited_process(kUserApp + "podman-qdrant.service", "rootlessport", 1000);
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_TRUE(service.forwarder);
  EXPECT_EQ(service.outer, "podman-qdrant.service");
  EXPECT_EQ(service.scope, "user");
  EXPECT_EQ(service.partial, "process exited; attributed from its cgroup");
}

TEST(AttributeContainerUnits, NoUnitRunsIt) {  // F7, negative
  // podman's own scope, the login session, the user manager, podman's API service.
  for (const std::string& cgroup : std::vector<std::string>{
           "/user.slice/user-1000.slice/user@1000.service/user.slice/podman-4321.scope",
        "/user.slice/user-1000.slice/session-3.scope", "/user.slice/user-1000.slice/user@1000.service",
        kUserApp + "podman.service", "/system.slice/podman-restart.service"}) {
    const Service service = attribute(rootlessport(cgroup));
    EXPECT_EQ(service.manager, ManagerKind::podman) << cgroup;
    EXPECT_EQ(service.outer, "") << cgroup;
    EXPECT_EQ(service.unit, "") << cgroup;
    EXPECT_EQ(service.scope, "") << cgroup;
  }
}

TEST(AttributeContainerUnits, DockersEngineServiceDoesNotRunTheContainer) {  // F1, F7 negative
  const Service service = attribute(forwarder(
      "docker-proxy", {"/usr/bin/docker-proxy", "-container-ip", "172.17.0.2", "-container-port", "80"},
      "/system.slice/docker.service"));
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.outer, "");
  EXPECT_EQ(service.unit, "");
}

TEST(AttributeContainerUnits, DescriptionNamesTheContainerAndTheUserUnit) {
  Service service = attribute(rootlessport(kUserApp + "podman-qdrant.service"));
  EXPECT_EQ(describe_service(service),
            "podman container a rootless podman container (rootlessport) (inside systemd user unit "
            "podman-qdrant.service, uid 1000)");
  service.user = "alice";
  EXPECT_EQ(describe_outer(service), " (inside systemd user unit podman-qdrant.service, uid 1000 alice)");
}

}  // namespace
}  // namespace bindtrace
