// Attribution of the port forwarders (docs/attribution.md, F1-F6) against
// real processes: bt_hold run under each forwarder's name and real command
// line, resolved as `who` resolves a port.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "attribution_fixture.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "real_parts.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace testing;

// ---------------------------------------------------------------------------
// Forwarders (F1, F3, F6): bt_hold under the forwarder's name and real command line.

class AttributionForwarderTest : public AttributionTest {
 protected:
  // `name` in a temp dir: a symlink to bt_hold, or a copy.
  std::string as(const std::string& name, bool copy) {
    const std::string path = dir_.path() + "/" + name;
    if (copy)
      fs::copy_file(testprog("bt_hold"), path, fs::copy_options::overwrite_existing);
    else
      fs::create_symlink(testprog("bt_hold"), path);
    return path;
  }
  Owner owner_of(std::uint16_t port) {
    OwnerResolver resolver(ResolverOptions{});
    return resolver.resolve_port(Proto::tcp, port);
  }
  TempDir dir_{"fwd"};
};

TEST_F(AttributionForwarderTest, DockerProxyOwnsThePortForTheContainerAtItsContainerIp) {
  const std::uint16_t port = free_port();
  auto proxy = hold(port, "", as("docker-proxy", false),
                    {"-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", std::to_string(port),
                     "-container-ip", "172.17.0.2", "-container-port", "80"});
  const Owner owner = owner_of(port);
  EXPECT_EQ(owner.kind, OwnerKind::forwarder) << owner_kind_name(owner.kind);
  ASSERT_EQ(owner.holders.size(), 1u);
  EXPECT_EQ(owner.holders[0].pid, static_cast<std::uint32_t>(proxy->pid()));
  EXPECT_EQ(owner.holders[0].comm, "docker-proxy");
  ASSERT_TRUE(owner.holders[0].service);
  EXPECT_EQ(owner.holders[0].service->manager, ManagerKind::docker);
  EXPECT_EQ(owner.holders[0].service->name, "container at 172.17.0.2:80");
  EXPECT_TRUE(has_note(*owner.holders[0].service, "host port " + std::to_string(port)));
}

TEST_F(AttributionForwarderTest, ConmonOwnsThePortForThePodmanContainerItNames) {
  const std::uint16_t port = free_port();
  const std::string id = container_id('e');
  auto conmon = hold(port, "", as("conmon", true),
                     {"--api-version", "1", "-c", id, "-u", id, "-r", "/usr/bin/crun", "-b",
                      "/var/lib/containers/storage/overlay-containers/" + id + "/userdata", "-n", "web",
                      "--exit-dir", "/run/libpod/exits"});
  const Owner owner = owner_of(port);
  EXPECT_EQ(owner.kind, OwnerKind::forwarder) << owner_kind_name(owner.kind);
  ASSERT_EQ(owner.holders.size(), 1u);
  EXPECT_EQ(owner.holders[0].pid, static_cast<std::uint32_t>(conmon->pid()));
  ASSERT_TRUE(owner.holders[0].service);
  EXPECT_EQ(owner.holders[0].service->manager, ManagerKind::podman);
  EXPECT_EQ(owner.holders[0].service->name, "web");
  EXPECT_EQ(owner.holders[0].service->container_id, id);
}

TEST_F(AttributionForwarderTest, Slirp4netnsOwnsThePortForThePodmanContainerOfItsApiSocket) {
  const std::uint16_t port = free_port();
  const std::string id = container_id('f');
  auto slirp = hold(port, "", as("slirp4netns", false),
                    {"--disable-host-loopback", "--mtu=65520", "--enable-sandbox", "--enable-seccomp", "-c",
                     "-e", "3", "-r", "4", "--netns-type=path", "/run/user/0/netns/netns-bt", "tap0",
                     "--api-socket", "/tmp/x/" + id + ".net"});
  const Owner owner = owner_of(port);
  EXPECT_EQ(owner.kind, OwnerKind::forwarder) << owner_kind_name(owner.kind);
  ASSERT_EQ(owner.holders.size(), 1u);
  EXPECT_EQ(owner.holders[0].pid, static_cast<std::uint32_t>(slirp->pid()));
  ASSERT_TRUE(owner.holders[0].service);
  EXPECT_EQ(owner.holders[0].service->manager, ManagerKind::podman);
  EXPECT_EQ(owner.holders[0].service->name, id.substr(0, 12));
  EXPECT_EQ(owner.holders[0].service->container_id, id);
}

// The owner kind is the holder's attributed role: dockerd holding a published
// port itself (F2) is a forwarder, as attribution names it; a plain process is not.
TEST_F(AttributionForwarderTest, TheOwnerKindIsTheHoldersAttributedRole) {
  struct Case {
    std::string program;
    std::vector<std::string> args;
    OwnerKind kind;
  };
  for (const Case& c :
       {Case{"dockerd", {"-H", "fd://"}, OwnerKind::forwarder}, Case{"web-server", {}, OwnerKind::process}}) {
    const std::uint16_t port = free_port();
    auto holder = hold(port, "", as(c.program, false), c.args);
    const Owner owner = owner_of(port);
    EXPECT_EQ(owner.kind, c.kind) << c.program << ": " << owner_kind_name(owner.kind);
    ASSERT_EQ(owner.holders.size(), 1u) << c.program;
    ASSERT_TRUE(owner.holders[0].service) << c.program;
    EXPECT_EQ(holds_port_for_container(*owner.holders[0].service), c.kind == OwnerKind::forwarder)
        << c.program;
  }
}

}  // namespace
}  // namespace bindtrace
