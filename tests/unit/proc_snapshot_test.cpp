// One read_snapshot() per process: what the pipeline, the owner's holders
// and the action policy take from it, and its pid-reuse checks (a start time
// that changes during the read, a process younger than the event).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/proc/snapshot_reader.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kProc = BINDTRACE_FIXTURES_DIR "/attribute/proc";

TEST(ProcSnapshot, OneReadFillsExeCwdCgroupAndTheService) {
  const auto snapshot = read_snapshot(1207, kProc);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->exe, "/usr/bin/python3.11");
  EXPECT_EQ(snapshot->cwd, "/srv/backend");
  EXPECT_EQ(snapshot->cgroup, "/system.slice/supervisor.service");
  EXPECT_EQ(snapshot->cmdline, "/usr/bin/python3 -m uvicorn --root-path  --port 8001");
  EXPECT_EQ(snapshot->flags, 4194304u);
  EXPECT_FALSE(snapshot->exited);
  const Service service = attribute(*snapshot);
  EXPECT_EQ(service.manager, ManagerKind::supervisor);
  EXPECT_EQ(service.name, "backend:backend");
}

TEST(ProcSnapshot, WithoutAttributionEnvironAndAncestorsAreNotRead) {
  const auto snapshot = read_snapshot(1207, kProc, SnapshotOptions{.for_attribution = false});
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE(snapshot->environ.empty());
  EXPECT_TRUE(snapshot->ancestors.empty());
  EXPECT_EQ(snapshot->exe, "/usr/bin/python3.11");
  EXPECT_EQ(snapshot->uid, 1000u);
}

TEST(ProcSnapshot, AProcessStartedAfterTheEventIsAnotherOne) {
  const std::uint64_t started_ns = 7777 * ns_per_clock_tick();  // the fixture's start time
  EXPECT_TRUE(read_snapshot(1207, kProc, SnapshotOptions{.boot_ns = started_ns}));
  EXPECT_FALSE(read_snapshot(1207, kProc, SnapshotOptions{.boot_ns = started_ns - 1}));
  EXPECT_TRUE(read_snapshot(1207, kProc, SnapshotOptions{.boot_ns = 0}));  // unknown: not checked
}

// A scratch /proc with one process whose cmdline is a FIFO: the read blocks
// on it, so the test acts between the first and the last read of stat.
class RacingProc : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kPid = 77;

  void SetUp() override {
    root_ = fs::temp_directory_path() / ("bt-snapshot-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    dir_ = root_ / std::to_string(kPid);
    fs::create_directories(dir_);
    write_stat('S', 5000);
    std::ofstream(dir_ / "status") << "Name:\tsrv\nUid:\t1000\t1000\t1000\t1000\n";
    std::ofstream(dir_ / "cgroup") << "0::/system.slice/srv.service\n";
    std::ofstream(dir_ / "environ") << std::string("A=1\0", 4);
    ASSERT_EQ(::mkfifo((dir_ / "cmdline").c_str(), 0600), 0);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_stat(char state, std::uint64_t start_time) {
    std::ofstream(dir_ / "stat") << kPid << " (srv) " << state << " 1 77 77 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 "
                                 << start_time << " 1000 10\n";
  }

  // Waits for the reader to open cmdline, runs `between`, then ends cmdline.
  std::thread feed_cmdline(std::function<void()> between) {
    return std::thread([this, between = std::move(between)] {
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      UniqueFd fd;
      while (!fd && std::chrono::steady_clock::now() < deadline) {
        fd = UniqueFd(::open((dir_ / "cmdline").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (!fd) std::this_thread::sleep_for(1ms);  // ENXIO: no reader yet
      }
      between();
      if (fd) (void)!::write(fd.get(), "srv\0", 4);
    });
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(RacingProc, AStartTimeThatChangesDuringTheReadGivesNothing) {
  std::thread feeder = feed_cmdline([&] { write_stat('S', 6000); });  // the pid now names another process
  const auto snapshot = read_snapshot(kPid, root_.string());
  feeder.join();
  EXPECT_EQ(snapshot, std::nullopt);
}

TEST_F(RacingProc, AStartTimeThatStaysGivesTheSnapshot) {
  std::thread feeder = feed_cmdline([] {});
  const auto snapshot = read_snapshot(kPid, root_.string());
  feeder.join();
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->argv, std::vector<std::string>{"srv"});
  EXPECT_EQ(snapshot->cgroup, "/system.slice/srv.service");
  EXPECT_EQ(snapshot->environ.at("A"), "1");
}

TEST_F(RacingProc, AZombieIsReadAsExitedWithoutWhatAttributionNeeds) {
  write_stat('Z', 5000);
  std::thread feeder = feed_cmdline([] {});
  const auto snapshot = read_snapshot(kPid, root_.string());
  feeder.join();
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE(snapshot->exited);
  EXPECT_EQ(snapshot->comm, "srv");
  EXPECT_EQ(snapshot->uid, 1000u);
  EXPECT_TRUE(snapshot->environ.empty());
}

TEST_F(RacingProc, AStatusWithoutUidGivesNothing) {
  std::ofstream(dir_ / "status", std::ios::trunc) << "Name:\tsrv\n";
  fs::remove(dir_ / "cmdline");  // not a FIFO: the read ends before cmdline
  EXPECT_EQ(read_snapshot(kPid, root_.string()), std::nullopt);
}

}  // namespace
}  // namespace bindtrace
