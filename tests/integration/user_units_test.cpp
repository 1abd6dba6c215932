// system_vs_user through a rootless container (docs/diagnosis.md rule 8,
// docs/attribution.md F7), end to end with the built binary: a user's podman
// unit publishes the port through rootlessport while a system unit wants it,
// and the reverse. rootlessport is bt_hold run through a symlink of that name
// (as podman's rootlessport, it holds the host port), as uid 1000, in the
// cgroup of a user unit: /user.slice/user-1000.slice/user@1000.service/
// app.slice/podman-NAME.service. The system side runs in
// /system.slice/NAME.service. No podman engine and no systemd are needed:
// bindtrace reads only the cgroup path, comm and argv.
//
// Every process, cgroup directory and temp dir a test creates is removed when
// it ends, also when an assertion fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cgroup_fixture.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"
#include "diagnosis_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using namespace testing;

constexpr const char* kUser = "1000";
const std::vector<std::string> kAsUser = {"setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"};

class UserUnitsTest : public testing::CgroupFixture {
 protected:
  void SetUp() override {
    CgroupFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::make_unique<TempDir>("userunits");
    fs::create_symlink(testprog("bt_hold"), rootlessport());
    system_unit_ = "bt-" + tag_ + "-qdrant.service";
    user_unit_ = "podman-bt" + tag_ + "-qdrant.service";
  }
  void TearDown() override {
    dir_.reset();
    CgroupFixture::TearDown();
  }

  std::string rootlessport() const { return dir_->path() + "/rootlessport"; }
  std::string system_cgroup() const { return "/system.slice/" + system_unit_; }
  std::string user_cgroup() const {
    return std::string("/user.slice/user-") + kUser + ".slice/user@" + kUser + ".service/app.slice/" + user_unit_;
  }
  std::string ctl() const { return "systemctl --user -M " + login_name_or_uid(1000) + "@ "; }

  // The rootlessport stand-in as uid 1000 in the user unit's cgroup, holding `port`.
  std::unique_ptr<Child> user_forwarder_holding(std::uint16_t port) {
    std::vector<std::string> args(kAsUser.begin() + 1, kAsUser.end());
    args.push_back(rootlessport());
    return hold(port, user_cgroup(), kAsUser.front(), args);
  }

  // The attribution of the rootlessport stand-in: the container and its user unit.
  void expect_user_forwarder(const json& service, const std::string& context) const {
    EXPECT_EQ(service.value("manager", ""), "podman") << context;
    EXPECT_EQ(service.value("name", ""), "a rootless podman container (rootlessport)") << context;
    EXPECT_EQ(service.value("unit", ""), user_unit_) << context;
    EXPECT_EQ(service.value("outer", ""), user_unit_) << context;
    EXPECT_EQ(service.value("scope", ""), "user") << context;
    EXPECT_EQ(service.value("slice", ""), "app.slice") << context;
    EXPECT_EQ(service.value("uid", -1), 1000) << context;
    const std::string name = login_name_or_uid(1000);
    if (name != "1000") {
      EXPECT_EQ(service.value("user", ""), name) << context;
    }
  }
  void expect_system_unit(const json& service, const std::string& context) const {
    EXPECT_EQ(service.value("manager", ""), "systemd") << context;
    EXPECT_EQ(service.value("name", ""), system_unit_) << context;
    EXPECT_EQ(service.value("scope", ""), "system") << context;
  }

  std::unique_ptr<TempDir> dir_;
  std::string system_unit_;
  std::string user_unit_;
};

TEST_F(UserUnitsTest, RootlessportOfAUserUnitHoldsThePortAndTheSystemUnitFails) {
  const std::uint16_t port = free_port();
  auto forwarder = user_forwarder_holding(port);
  cgroups_->make(system_cgroup());

  const auto e = event_of(port, [&] {
    Child system_copy({"env", "BT_PORT=" + std::to_string(port), testprog("bt_hold")},
                      Child::Options{.cgroup_procs = cgroups_->make(system_cgroup())});
    EXPECT_EQ(wait_within(system_copy, 10s), 1);
  });
  ASSERT_TRUE(e);
  const std::string dump = e->dump();
  expect_system_unit((*e)["process"]["service"], "failing side: " + dump);
  EXPECT_EQ((*e)["owner"]["kind"], "forwarder") << dump;
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << dump;
  const json& holder = (*e)["owner"]["holders"][0];
  EXPECT_EQ(holder["pid"], forwarder->pid()) << dump;
  EXPECT_EQ(holder["comm"], "rootlessport") << dump;
  expect_user_forwarder(holder["service"], "holder: " + dump);

  EXPECT_EQ((*e)["diagnosis"]["code"], "system_vs_user") << dump;
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("port " + std::to_string(port) + " is wanted at system level by systemd unit " +
                         system_unit_ + " and at user level by podman (a rootless podman container (rootlessport)) "
                         "(inside systemd user unit " + user_unit_ + ", uid 1000"),
            std::string::npos)
      << summary;
  // The program is named by its executable: the stand-in's is bt_hold (the symlink's target).
  EXPECT_NE(summary.find("the user one holds it (bt_hold, pid " + std::to_string(forwarder->pid()) + ")"),
            std::string::npos)
      << summary;
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 4u) << remedies.dump();
  EXPECT_EQ(remedies[0], "systemctl disable --now " + system_unit_ + "  # keep the user one");
  EXPECT_EQ(remedies[1], ctl() + "stop " + user_unit_ + "  # or keep the system one; the unit that runs the container");
  EXPECT_EQ(remedies[2], ctl() + "mask " + user_unit_ + "  # so nothing starts it again");
  EXPECT_TRUE(contains(remedies[3], "or publish the container on another host port (-p ")) << remedies.dump();
}

TEST_F(UserUnitsTest, SystemUnitHoldsThePortAndTheRootlessportOfAUserUnitFails) {
  const std::uint16_t port = free_port();
  auto system_copy = hold(port, system_cgroup());
  cgroups_->make(user_cgroup());

  const auto e = event_of(port, [&] {
    std::vector<std::string> argv = kAsUser;
    argv.insert(argv.end(), {"env", "BT_PORT=" + std::to_string(port), rootlessport()});
    Child forwarder(argv, Child::Options{.cgroup_procs = cgroups_->make(user_cgroup())});
    EXPECT_EQ(wait_within(forwarder, 10s), 1);
  });
  ASSERT_TRUE(e);
  const std::string dump = e->dump();
  EXPECT_EQ((*e)["process"]["comm"], "rootlessport") << dump;
  EXPECT_EQ((*e)["process"]["uid"], 1000) << dump;
  expect_user_forwarder((*e)["process"]["service"], "failing side: " + dump);
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << dump;
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], system_copy->pid()) << dump;
  expect_system_unit((*e)["owner"]["holders"][0]["service"], "holder: " + dump);

  EXPECT_EQ((*e)["diagnosis"]["code"], "system_vs_user") << dump;
  EXPECT_NE(summary_of(*e).find("the system one holds it (bt_hold, pid " + std::to_string(system_copy->pid()) + ")"),
            std::string::npos)
      << summary_of(*e);
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 4u) << remedies.dump();
  EXPECT_EQ(remedies[0], ctl() + "stop " + user_unit_ + "  # keep the system one; the unit that runs the container");
  EXPECT_EQ(remedies[1], ctl() + "mask " + user_unit_ + "  # so nothing starts it again");
  EXPECT_EQ(remedies[2], "systemctl disable --now " + system_unit_ + "  # or keep the user one");
  EXPECT_TRUE(contains(remedies[3], "or publish the container on another host port instead (-p ")) << remedies.dump();
}

}  // namespace
}  // namespace bindtrace
