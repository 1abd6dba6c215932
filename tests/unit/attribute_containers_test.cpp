// E1-E11 of docs/attribution.md: containers named by their cgroup path.
#include <gtest/gtest.h>

#include "bindtrace/attribute.hpp"
#include "bindtrace/attribute/containers.hpp"

namespace bindtrace {
namespace {

const std::string kD = "7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8";
const std::string kC = "17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f";
const std::string kK = "605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22";
const std::string kP = "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";

Service attribute_path(const std::string& path) {
  ProcessSnapshot snapshot;
  snapshot.pid = 5000;
  snapshot.ppid = 4999;
  snapshot.comm = "python3";
  snapshot.cgroup_lines = {"0::" + path};
  return attribute(snapshot);
}

TEST(AttributeContainers, DockerScopeUnderSystemSlice) {  // E1
  const Service service = attribute_path("/system.slice/docker-" + kD + ".scope");
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "7951fb549ab9");
  EXPECT_EQ(service.container_id, kD);
  EXPECT_EQ(service.runtime, "docker");
  EXPECT_EQ(service.outer, "");
}

TEST(AttributeContainers, DockerCgroupfsDriver) {  // E2
  const Service service = attribute_path("/docker/" + kD);
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "7951fb549ab9");
  EXPECT_EQ(service.container_id, kD);
}

TEST(AttributeContainers, CrioScopeUnderKubepodsNamesThePodWithDashes) {  // E3
  const Service service = attribute_path(
      "/kubepods.slice/kubepods-besteffort.slice/"
      "kubepods-besteffort-pod63b3ebfc_2890_11e9_8154_16bf8ef8d9dc.slice/crio-" +
      kC + ".scope");
  EXPECT_EQ(service.manager, ManagerKind::cri_o);
  EXPECT_EQ(service.name, "17d8c9eacc62");
  EXPECT_EQ(service.container_id, kC);
  EXPECT_EQ(service.pod_uid, "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc");
}

TEST(AttributeContainers, CriContainerdScopeWithPod) {  // E4
  const Service service = attribute_path(
      "/kubepods.slice/kubepods-podac04f3f2_1f2c_11e9_b015_1ebee232acfa.slice/cri-containerd-" + kD +
      ".scope");
  EXPECT_EQ(service.manager, ManagerKind::containerd);
  EXPECT_EQ(service.name, "7951fb549ab9");
  EXPECT_EQ(service.pod_uid, "ac04f3f2-1f2c-11e9-b015-1ebee232acfa");
}

TEST(AttributeContainers, KubepodsCgroupfsDriver) {  // E5
  const Service service =
      attribute_path("/kubepods/besteffort/podac04f3f2-1f2c-11e9-b015-1ebee232acfa/" + kK);
  EXPECT_EQ(service.manager, ManagerKind::kubernetes);
  EXPECT_EQ(service.name, "605439acbd4f");
  EXPECT_EQ(service.container_id, kK);
  EXPECT_EQ(service.pod_uid, "ac04f3f2-1f2c-11e9-b015-1ebee232acfa");
}

TEST(AttributeContainers, ColonCriContainerdOnV1) {  // E6
  const Service service = attribute_path(
      "/kubepods-burstable-podbd12dd3393227d950605a2444b13c27a.slice:cri-containerd:"
      "d52db56a9c80d536a91354c0951c061187ca46249e64865a12703003d8f42366");
  EXPECT_EQ(service.manager, ManagerKind::containerd);
  EXPECT_EQ(service.name, "d52db56a9c80");
  EXPECT_EQ(service.pod_uid, "bd12dd3393227d950605a2444b13c27a");
}

TEST(AttributeContainers, KnownContainerdNamespace) {  // E7
  const Service service = attribute_path("/default/abcdef123456");
  EXPECT_EQ(service.manager, ManagerKind::containerd);
  EXPECT_EQ(service.name, "abcdef123456");
  EXPECT_EQ(service.container_id, "abcdef123456");
}

TEST(AttributeContainers, SubgroupOfAServiceIsNoContainer) {  // E7, negative
  EXPECT_EQ(container_of_path("/system.slice/foo.service/worker"), std::nullopt);
  const Service service = attribute_path("/system.slice/foo.service/worker");
  EXPECT_EQ(service.manager, ManagerKind::systemd);
  EXPECT_EQ(service.name, "foo.service");
}

TEST(AttributeContainers, UnknownNamespaceIsNoContainer) {  // E7, negative
  EXPECT_EQ(container_of_path("/mystuff/abcdef123456"), std::nullopt);
}

TEST(AttributeContainers, PodmanLibpodScopeWithContainerSubgroup) {  // E8
  const Service service = attribute_path("/machine.slice/libpod-" + kP + ".scope/container");
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "1234567890ab");
  EXPECT_EQ(service.container_id, kP);
  EXPECT_EQ(service.uid, std::nullopt);
}

TEST(AttributeContainers, RootlessPodmanCarriesTheUserManagersUid) {  // E8
  const Service service = attribute_path("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" +
                                         kP + ".scope/container");
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "1234567890ab");
  EXPECT_EQ(service.uid, 1000u);
  EXPECT_EQ(service.outer, "");
}

TEST(AttributeContainers, ConmonScopeIsThePodmanMonitor) {  // E9
  const Service service = attribute_path("/machine.slice/libpod-conmon-" + kP + ".scope");
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "1234567890ab");
  EXPECT_EQ(service.notes, std::vector<std::string>{"conmon"});
  EXPECT_TRUE(service.conmon);
}

TEST(AttributeContainers, PayloadInsideAUnitReportsBoth) {  // E10
  const Service service = attribute_path("/system.slice/ceph-x@mon.a.service/libpod-payload-" + kP);
  EXPECT_EQ(service.manager, ManagerKind::podman);
  EXPECT_EQ(service.name, "1234567890ab");
  EXPECT_EQ(service.outer, "ceph-x@mon.a.service");
}

TEST(AttributeContainers, LxcPayload) {  // E11
  const Service service = attribute_path("/lxc.payload.web1/init.scope");
  EXPECT_EQ(service.manager, ManagerKind::lxc);
  EXPECT_EQ(service.name, "web1");
  EXPECT_EQ(service.runtime, "lxc");
}

TEST(AttributeContainers, LegacyLxcDirectory) {  // E11
  EXPECT_EQ(attribute_path("/lxc/web2").name, "web2");
}

TEST(AttributeContainers, RightmostMatchWinsForNestedContainers) {
  const Service service = attribute_path("/lxc.payload.web1/system.slice/docker-" + kD + ".scope");
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.name, "7951fb549ab9");
}

TEST(AttributeContainers, ShortIdsAreNoDockerIds) {
  EXPECT_EQ(container_of_path("/system.slice/docker-1234.scope"), std::nullopt);
  EXPECT_EQ(container_of_path("/docker/notanid"), std::nullopt);
}

TEST(AttributeContainers, HybridHostFindsContainerOnlyOnAV1Line) {
  ProcessSnapshot snapshot;
  snapshot.pid = 5000;
  snapshot.ppid = 4999;
  snapshot.cgroup_lines = {"12:pids:/docker/" + kD, "1:name=systemd:/system.slice/x.service",
                           "0::/system.slice/x.service"};
  const Service service = attribute(snapshot);
  EXPECT_EQ(service.manager, ManagerKind::docker);
  EXPECT_EQ(service.container_id, kD);
}

}  // namespace
}  // namespace bindtrace
