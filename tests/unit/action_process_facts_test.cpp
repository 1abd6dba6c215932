// What the policy learns about a process, read from a /proc tree written by
// the test: kernel threads, and the supervisord found above a program.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bindtrace/actions/process_facts.hpp"
#include "bindtrace/actions/stop_unit.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;

// A fake /proc with processes written as files, removed afterwards.
class FakeProc {
 public:
  FakeProc() : root_(fs::temp_directory_path() / ("bt-facts-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakeProc() { fs::remove_all(root_); }

  void add(std::uint32_t pid, const std::string& comm, std::uint32_t ppid, std::uint64_t flags,
           std::uint32_t uid, const std::string& cmdline, const std::string& exe,
           const std::string& cwd = "/") {
    const fs::path dir = root_ / std::to_string(pid);
    fs::create_directories(dir);
    // Fields 3.. after "(comm)": state ppid pgrp session tty tpgid flags ... starttime (22).
    std::ofstream(dir / "stat") << pid << " (" << comm << ") S " << ppid << " " << pid << " " << pid
                                << " 0 -1 " << flags << " 0 0 0 0 1 2 0 0 20 0 1 0 " << 4000 + pid
                                << " 1000 10\n";
    std::ofstream(dir / "status") << "Name:\t" << comm << "\nUid:\t" << uid << "\t" << uid << "\t" << uid
                                  << "\t" << uid << "\n";
    std::ofstream(dir / "cmdline") << cmdline;
    if (!exe.empty()) fs::create_symlink(exe, dir / "exe");
    fs::create_symlink(cwd, dir / "cwd");
  }
  [[nodiscard]] std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

TEST(ActionProcessFacts, ReadsALiveProcess) {
  FakeProc proc;
  proc.add(991, "python3", 900, 4194560, 1000, std::string("python3\0-m\0http.server\0", 23),
           "/usr/bin/python3.11");
  const auto facts = read_process_facts(991, proc.root());
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->ppid, 900u);
  EXPECT_EQ(facts->uid, 1000u);
  EXPECT_EQ(facts->start_time, 4991u);
  EXPECT_EQ(facts->comm, "python3");
  EXPECT_EQ(facts->exe, "/usr/bin/python3.11");
  EXPECT_EQ(facts->cwd, "/");
  EXPECT_EQ(facts->argv, (std::vector<std::string>{"python3", "-m", "http.server"}));
  EXPECT_FALSE(is_kernel_thread(*facts));
}

TEST(ActionProcessFacts, AMissingProcessHasNoFacts) {
  FakeProc proc;
  EXPECT_FALSE(read_process_facts(4242, proc.root()));
}

TEST(ActionProcessFacts, KernelThreadsAreRecognised) {
  FakeProc proc;
  proc.add(2, "kthreadd", 0, 0x00208040, 0, "", "");
  proc.add(55, "kworker/0:1", 2, 0x04208060, 0, "", "");
  proc.add(56, "odd", 1, 0x00200000, 0, "odd", "/x");  // PF_KTHREAD alone suffices
  for (std::uint32_t pid : {2u, 55u, 56u}) {
    const auto facts = read_process_facts(pid, proc.root());
    ASSERT_TRUE(facts) << pid;
    EXPECT_TRUE(is_kernel_thread(*facts)) << pid;
  }
}

TEST(ActionProcessFacts, AProcessWithNoCommandLineAndNoExecutableCountsAsKernelThread) {
  ProcessFacts facts;
  facts.pid = 300;
  facts.ppid = 1;
  EXPECT_TRUE(is_kernel_thread(facts));
  facts.exe = "/usr/bin/x";
  EXPECT_FALSE(is_kernel_thread(facts));
}

TEST(ActionProcessFacts, SupervisordConfigIsFoundAboveTheProgram) {
  FakeProc proc;
  proc.add(400, "supervisord", 1, 0, 0,
           std::string("/usr/bin/python3\0/usr/bin/supervisord\0-n\0-c\0sv.conf\0", 52),
           "/usr/bin/python3.11", "/srv/app");
  proc.add(450, "sh", 400, 0, 0, std::string("sh\0-c\0bt_hold\0", 14), "/bin/dash");
  proc.add(500, "bt_hold", 450, 0, 0, std::string("bt_hold\0", 8), "/opt/bt_hold");
  EXPECT_EQ(find_supervisord_config(500, proc.root()), "/srv/app/sv.conf");
}

TEST(ActionProcessFacts, NoSupervisordAboveMeansNoConfig) {
  FakeProc proc;
  proc.add(500, "bt_hold", 1, 0, 0, std::string("bt_hold\0", 8), "/opt/bt_hold");
  EXPECT_EQ(find_supervisord_config(500, proc.root()), "");
}

}  // namespace
}  // namespace bindtrace
