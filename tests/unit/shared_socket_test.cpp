// Holders of one socket: who is main and who is a worker, from parent pids
// alone; and the members of a cgroup, read from a cgroup.procs file.
#include "bindtrace/owner/shared_socket.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace bindtrace {
namespace {

Holder holder(std::uint32_t pid, std::uint32_t ppid, int fd = 3) {
  Holder h;
  h.pid = pid;
  h.ppid = ppid;
  h.fd = fd;
  return h;
}

std::vector<std::pair<std::uint32_t, HolderRole>> roles(const std::vector<Holder>& holders) {
  std::vector<std::pair<std::uint32_t, HolderRole>> out;
  for (const Holder& h : holders) out.emplace_back(h.pid, h.role);
  return out;
}

TEST(HolderRoles, AMasterLeadsItsWorkersWhateverOrderTheyWereFoundIn) {
  std::vector<Holder> holders{holder(102, 100), holder(100, 1), holder(101, 100)};
  order_holders_by_role(holders);
  EXPECT_EQ(roles(holders), (std::vector<std::pair<std::uint32_t, HolderRole>>{
                                {100, HolderRole::main}, {101, HolderRole::worker}, {102, HolderRole::worker}}));
}

TEST(HolderRoles, OneProcessWithTwoFdsIsSole) {
  std::vector<Holder> holders{holder(50, 1, 3), holder(50, 1, 7)};
  order_holders_by_role(holders);
  EXPECT_EQ(holders[0].role, HolderRole::sole);
  EXPECT_EQ(holders[1].role, HolderRole::sole);
}

TEST(HolderRoles, AWorkersWorkerIsAWorkerAndItsParentStaysAWorker) {
  // gunicorn master 10 -> worker 11 -> a child 12 of that worker, all holding it.
  std::vector<Holder> holders{holder(12, 11), holder(11, 10), holder(10, 1)};
  order_holders_by_role(holders);
  EXPECT_EQ(roles(holders), (std::vector<std::pair<std::uint32_t, HolderRole>>{
                                {10, HolderRole::main}, {11, HolderRole::worker}, {12, HolderRole::worker}}));
}

TEST(HolderRoles, UnrelatedProcessesSharingASocketAreBothSole) {
  // fd passing: neither forked the other.
  std::vector<Holder> holders{holder(300, 1), holder(200, 1)};
  order_holders_by_role(holders);
  EXPECT_EQ(roles(holders), (std::vector<std::pair<std::uint32_t, HolderRole>>{{200, HolderRole::sole},
                                                                               {300, HolderRole::sole}}));
}

TEST(HolderRoles, AParentAndAChildHoldingDifferentSocketsAreBothSole) {
  // As `who` sees them: every listener's holders in one list.
  Holder parent = holder(400, 1);
  parent.inode = 7001;
  Holder child = holder(401, 400);
  child.inode = 7002;
  Holder child_too = holder(401, 400, 4);  // the child also shares its parent's socket
  child_too.inode = 7001;
  std::vector<Holder> holders{child, parent, child_too};
  order_holders_by_role(holders);
  ASSERT_EQ(holders.size(), 3u);
  EXPECT_EQ(holders[0].pid, 400u);
  EXPECT_EQ(holders[0].role, HolderRole::main);
  EXPECT_EQ(holders[1].inode, 7002u);
  EXPECT_EQ(holders[1].role, HolderRole::sole);
  EXPECT_EQ(holders[2].inode, 7001u);
  EXPECT_EQ(holders[2].role, HolderRole::worker);
}

TEST(HolderRoles, AnUnknownParentIsNotTakenForPidZero) {
  std::vector<Holder> holders{holder(5, 0), holder(6, 0)};
  order_holders_by_role(holders);
  EXPECT_EQ(holders[0].role, HolderRole::sole);
  EXPECT_EQ(holders[1].role, HolderRole::sole);
}

TEST(HolderRoles, NamesAreTheOutputContracts) {
  EXPECT_EQ(holder_role_name(HolderRole::main), "main");
  EXPECT_EQ(holder_role_name(HolderRole::worker), "worker");
  EXPECT_EQ(holder_role_name(HolderRole::sole), "sole");
}

class CgroupMembersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("bt-cgroup-members-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "system.slice/nginx.service");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write_procs(const std::string& text) {
    std::ofstream(root_ / "system.slice/nginx.service/cgroup.procs") << text;
  }
  std::filesystem::path root_;
};

TEST_F(CgroupMembersTest, ReadsEveryPidOfTheDirectory) {
  write_procs("100\n101\n102\n");
  EXPECT_EQ(cgroup_members(root_.string(), "/system.slice/nginx.service"),
            (std::vector<std::uint32_t>{100, 101, 102}));
}

TEST_F(CgroupMembersTest, AnEmptyCgroupHasNoMembers) {
  write_procs("");
  EXPECT_EQ(cgroup_members(root_.string(), "/system.slice/nginx.service"), std::vector<std::uint32_t>{});
}

TEST_F(CgroupMembersTest, AMissingDirectoryDamagedListOrEscapingPathIsNotAnswered) {
  EXPECT_FALSE(cgroup_members(root_.string(), "/system.slice/gone.service"));
  write_procs("100\nnot-a-pid\n");
  EXPECT_FALSE(cgroup_members(root_.string(), "/system.slice/nginx.service"));
  EXPECT_FALSE(cgroup_members(root_.string(), "/system.slice/../../etc"));
  EXPECT_FALSE(cgroup_members(root_.string(), "relative"));
  EXPECT_FALSE(cgroup_members("", "/system.slice/nginx.service"));
}

}  // namespace
}  // namespace bindtrace
