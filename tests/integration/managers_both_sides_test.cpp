// Both sides of a port conflict, each attributed to the manager that started
// it (docs/attribution.md G1-G6, E4, E5, E7, E11), through the built
// binary: the `--json` event names the failing process's manager
// (process.service) and the holder's (owner.holders[].service), and
// `bindtrace who P/tcp --json` names the holder's.
//
// Each test re-enacts one real conflict: a manager on one side, a systemd
// unit (a cgroup named like one, /system.slice/bt-<pid>-<x>.service) on the
// other. The managers are re-enacted with what they expose in /proc:
//
//   pm2          the God Daemon renames itself (node/libuv process.title:
//                argv memory overwritten, NUL-padded, comm via PR_SET_NAME)
//                to "PM2 v5.3.0: God Daemon (/root/.pm2)"; the app gets
//                pm_id and name in its environment. pm2-root.service wraps it.
//   runit        runsvdir runs "runsv <service>", which runs the service
//                (runit.service wraps runsvdir on Debian).
//   s6           s6-svscan runs "s6-supervise <service>".
//   openrc       "supervise-daemon <svc> --start ...", RC_SVCNAME=<svc>,
//                cgroup /openrc.<svc> (unified rc_cgroup_mode).
//   lxc          host-networked container: /lxc.payload.<name>/... cgroup.
//   containerd   `ctr run --net-host`: /default/<id> (cgroupfs layout, E7);
//                a CRI container: kubepods-...-pod<uid>.slice/cri-containerd-<id>.scope (E4).
//   kubernetes   a hostNetwork pod, cgroupfs driver: /kubepods/besteffort/pod<uid>/<id> (E5).
//
// screen is the real program. The other managers' stand-in is tests/testprogs/bt_parent (run as a symlink named
// like the manager, with the manager's argv); the service is bt_hold (holds
// the port) or bt_sock --hold-on-error (fails and stays alive, as a server
// that logs EADDRINUSE and retries does, so its environment and parent can
// still be read).
//
// Every process, cgroup directory and temp file a test creates is removed
// when it ends, also when an assertion fails.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/capture/kernel_env.hpp"
#include "cgroup_fixture.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Child;
using namespace testing;  // real_parts.hpp helpers
using testing::free_port;
using testing::testprog;

// ---------------------------------------------------------------------------
// Helpers






// "key=N" in a line -> N; -1 when absent.
pid_t number_after(const std::string& line, const std::string& key) {
  const auto at = line.find(key);
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::stol(line.substr(at + key.size())));
}




// A 64-hex id unique to this test process and `tag` (a hex digit).
std::string hex_id(char tag) {
  char head[13];
  std::snprintf(head, sizeof(head), "%c%03x%08x", tag, 0x5eu, static_cast<unsigned>(::getpid()));
  return head + std::string("0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d");
}

// What one side of the conflict should be attributed to.
struct Expected {
  std::string manager;
  std::string name;
  std::string outer;    // checked only when not empty
  std::string pod_uid;  // checked only when not empty
};

// One side of the conflict: the process that holds or fails, and (for a
// manager stand-in) the bt_parent process it runs under.
struct Side {
  std::unique_ptr<Child> launcher;  // bt_parent, or the service itself
  pid_t pid = -1;                   // the process that holds / failed
  pid_t manager_pid = -1;           // bt_parent, when there is one
  std::string line;                 // "ready ..." or "error op=bind ..."
};

// How a manager stand-in looks in /proc.
struct ManagerLook {
  std::vector<std::string> argv;  // e.g. {"runsv", "backend"}
  std::string exe;                // the symlink name exec'd (the comm); default argv[0]
  std::string proctitle;          // or: rename in place (pm2)
  std::vector<std::string> env;   // KEY=VAL for the service ("@PID@" = the manager's pid)
  std::string cgroup;             // "" = where the test runs
};

// ---------------------------------------------------------------------------

class ManagersBothSidesTest : public testing::CgroupFixture {
 protected:
  void SetUp() override {
    CgroupFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::make_unique<TempDir>(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    // Processes first, then the cgroups they were in.
    bt_.reset();
    for (Side& side : sides_) stop(side);
    sides_.clear();
    for (const auto& [pid, start] : strays_) {
      if (start_time_of(pid) != start) continue;  // gone, or the pid was reused
      ::kill(pid, SIGTERM);
      if (!eventually([&] { return gone(pid) || start_time_of(pid) != start; }, 3s)) ::kill(pid, SIGKILL);
      eventually([&] { return gone(pid) || start_time_of(pid) != start; }, 3s);
    }
    cgroups_.reset();
    dir_.reset();
  }

  // stdin EOF ends the service; SIGTERM ends bt_parent, which passes it on
  // (and PR_SET_PDEATHSIG covers a bt_parent that had to be killed).
  static void stop(Side& side) {
    if (!side.launcher) return;
    side.launcher->close_stdin();
    side.launcher->signal(SIGTERM);
    wait_within(*side.launcher, 3s);
    if (side.pid > 0 && side.pid != side.launcher->pid()) {
      // The service was bt_parent's child: gone (or a zombie its new parent reaps) soon.
      eventually([&] { return gone(side.pid); }, 3s);
    }
    side.launcher.reset();
  }
  static bool gone(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z' ||
           stat[close + 2] == 'X';
  }

  std::string unit(const std::string& what) const { return "bt-" + tag_ + "-" + what + ".service"; }

  // `name` in the temp dir: a symlink to `target`.
  std::string as(const std::string& name, const std::string& target) {
    const std::string path = dir_->path() + "/" + name;
    if (!fs::exists(fs::symlink_status(path))) fs::create_symlink(target, path);
    return path;
  }

  // The service command: bt_hold holding `port`, or bt_sock binding it,
  // failing with EADDRINUSE and staying alive (stdin EOF ends both).
  std::vector<std::string> service_command(std::uint16_t port, bool holds) const {
    if (holds) return {"env", "BT_PORT=" + std::to_string(port), "BT_MAX_SECONDS=90", testprog("bt_hold")};
    return {testprog("bt_sock"), "-P", std::to_string(port), "--hold-on-error", "--stdin-hold", "--exit-after-ms",
            "90000", "bind"};
  }

  // The service started directly in `cgroup` (a systemd unit's cgroup).
  const Side& start_in_cgroup(std::uint16_t port, bool holds, const std::string& cgroup) {
    Child::Options options{.pipe_stdin = true};
    if (!cgroup.empty()) options.cgroup_procs = cgroups_->make(cgroup);
    Side& side = sides_.emplace_back();
    side.launcher = std::make_unique<Child>(service_command(port, holds), options);
    side.pid = side.launcher->pid();
    const auto line = side.launcher->expect_line(holds ? "ready" : "error", 10s);
    EXPECT_TRUE(line) << "service did not start: " << side.launcher->drain_stderr();
    if (line) side.line = *line;
    return side;
  }

  // The service started by a manager stand-in (bt_parent) that looks like `look`.
  const Side& start_under(const ManagerLook& look, std::uint16_t port, bool holds) {
    std::vector<std::string> argv{"env"};
    if (!look.argv.empty()) {
      std::string words;
      for (const auto& w : look.argv) words += (words.empty() ? "" : " ") + w;
      argv.push_back("BT_AS=" + words);
      argv.push_back("BT_EXE=" + as(look.exe.empty() ? look.argv.front() : look.exe, testprog("bt_parent")));
    }
    if (!look.proctitle.empty()) argv.push_back("BT_PROCTITLE=" + look.proctitle);
    argv.push_back(testprog("bt_parent"));
    argv.insert(argv.end(), look.env.begin(), look.env.end());
    argv.push_back("--");
    const auto service = service_command(port, holds);
    argv.insert(argv.end(), service.begin(), service.end());

    Child::Options options{.pipe_stdin = true};
    if (!look.cgroup.empty()) options.cgroup_procs = cgroups_->make(look.cgroup);
    Side& side = sides_.emplace_back();
    side.launcher = std::make_unique<Child>(std::move(argv), options);
    side.manager_pid = side.launcher->pid();
    // bt_parent's "child pid=N" and the service's own line, in either order.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((side.pid < 0 || side.line.empty()) && std::chrono::steady_clock::now() < deadline) {
      auto line = side.launcher->read_line(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!line) break;
      if (line->starts_with("child pid=")) side.pid = number_after(*line, "child pid=");
      else if (line->starts_with("ready") || line->starts_with("error")) side.line = *line;
    }
    EXPECT_GT(side.pid, 0) << "manager stand-in did not start the service";
    EXPECT_TRUE(side.line.starts_with(holds ? "ready" : "error op=bind"))
        << "service: '" << side.line << "' " << side.launcher->drain_stderr();
    return side;
  }

  // bindtrace --json for one event on `port`, attached.
  void start_bindtrace(std::uint16_t port) {
    bt_ = std::make_unique<Child>(
        std::vector<std::string>{BINDTRACE_BINARY, "--json", "--port", std::to_string(port), "--max-events", "1"});
    const auto attached = bt_->read_err_line(15s);
    ASSERT_TRUE(attached) << "bindtrace did not attach";
  }

  std::optional<nlohmann::json> event() {
    auto line = bt_->read_line(10s);
    if (!line) return std::nullopt;
    EXPECT_EQ(wait_within(*bt_, 5s), 0);
    return nlohmann::json::parse(*line);
  }

  static void expect_service(const nlohmann::json& service, const Expected& want, const std::string& context) {
    ASSERT_TRUE(service.is_object()) << context;
    EXPECT_EQ(service.value("manager", ""), want.manager) << context;
    EXPECT_EQ(service.value("name", ""), want.name) << context;
    if (!want.outer.empty()) EXPECT_EQ(service.value("outer", ""), want.outer) << context;
    if (!want.pod_uid.empty()) EXPECT_EQ(service.value("pod_uid", ""), want.pod_uid) << context;
  }

  // The conflict: `holder` holds `port`, `failing` failed to bind it; the
  // event and `who` name both managers.
  void expect_conflict(std::uint16_t port, const Side& failing, const Side& holder, const Expected& failing_want,
                       const Expected& holder_want) {
    const auto j = event();
    ASSERT_TRUE(j) << "no event from bindtrace";
    const std::string dump = j->dump();
    EXPECT_EQ((*j)["event"], "bind_failed") << dump;
    EXPECT_EQ((*j)["error"], "EADDRINUSE") << dump;
    EXPECT_EQ((*j)["port"], port) << dump;
    EXPECT_EQ((*j)["process"]["pid"], failing.pid) << dump;
    expect_service((*j)["process"]["service"], failing_want, "failing side: " + dump);
    ASSERT_TRUE((*j)["owner"]["holders"].is_array()) << dump;
    ASSERT_FALSE((*j)["owner"]["holders"].empty()) << dump;
    const auto& h = (*j)["owner"]["holders"][0];
    EXPECT_EQ(h["pid"], holder.pid) << dump;
    expect_service(h["service"], holder_want, "holder side: " + dump);

    Child who({BINDTRACE_BINARY, "who", std::to_string(port) + "/tcp", "--json"});
    const std::string out = all_output(who);
    EXPECT_EQ(wait_within(who, 10s), 0) << out;
    std::istringstream lines(out);
    bool seen = false;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const auto w = nlohmann::json::parse(line);
      if (w.value("port", 0) != port) continue;
      seen = true;
      EXPECT_EQ(w["held"], true) << line;
      ASSERT_TRUE(w["owner"]["holders"].is_array()) << line;
      ASSERT_FALSE(w["owner"]["holders"].empty()) << line;
      EXPECT_EQ(w["owner"]["holders"][0]["pid"], holder.pid) << line;
      expect_service(w["owner"]["holders"][0]["service"], holder_want, "who: " + line);
    }
    EXPECT_TRUE(seen) << "who printed no line for port " << port << ": " << out;
  }


  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Child> bt_;
  std::deque<Side> sides_;
  std::vector<std::pair<pid_t, std::uint64_t>> strays_;  // orphans: pid and start time  // every side started, stopped in TearDown
};

// ---------------------------------------------------------------------------
// pm2 (G1)

ManagerLook pm2_god_daemon(const std::string& cgroup, const std::string& app, const std::string& id) {
  return ManagerLook{.proctitle = "PM2 v5.3.0: God Daemon (/root/.pm2)",
                     .env = {"pm_id=" + id, "name=" + app, "PM2_HOME=/root/.pm2", "NODE_APP_INSTANCE=0",
                             "pm_exec_path=/srv/" + app + "/server.js", "pm_cwd=/srv/" + app},
                     .cgroup = cgroup};
}

// pm2 (started by pm2-root.service) runs the api; the same api as a systemd
// unit fails to start.
TEST_F(ManagersBothSidesTest, Pm2AppHoldsThePortAndTheSystemdUnitCopyFails) {
  const std::uint16_t port = free_port();
  const std::string pm2_unit = unit("pm2-root");
  const Side& holder = start_under(pm2_god_daemon("/system.slice/" + pm2_unit, "api", "3"), port, true);
  const std::string failing_cgroup = "/system.slice/" + unit("api");
  cgroups_->make(failing_cgroup);  // before bindtrace walks the cgroup tree
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("api")}, {"pm2", "api", pm2_unit});
}

// The reverse: the systemd unit runs the api; pm2's copy fails (and stays up, retrying).
TEST_F(ManagersBothSidesTest, SystemdUnitHoldsThePortAndThePm2AppFails) {
  const std::uint16_t port = free_port();
  const Side& holder = start_in_cgroup(port, true, "/system.slice/" + unit("api"));
  start_bindtrace(port);
  const std::string pm2_unit = unit("pm2-root");
  const Side& failing = start_under(pm2_god_daemon("/system.slice/" + pm2_unit, "api", "0"), port, false);

  expect_conflict(port, failing, holder, {"pm2", "api", pm2_unit}, {"systemd", unit("api")});
}

// ---------------------------------------------------------------------------
// runit (G2)

ManagerLook runsv(const std::string& service, const std::string& cgroup) {
  return ManagerLook{.argv = {"runsv", service}, .cgroup = cgroup};
}

TEST_F(ManagersBothSidesTest, RunitServiceHoldsThePortAndTheSystemdUnitCopyFails) {
  const std::uint16_t port = free_port();
  const std::string runit_unit = unit("runit");
  const Side& holder = start_under(runsv("backend", "/system.slice/" + runit_unit), port, true);
  const std::string failing_cgroup = "/system.slice/" + unit("backend");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("backend")}, {"runit", "backend", runit_unit});
}

TEST_F(ManagersBothSidesTest, SystemdUnitHoldsThePortAndTheRunitServiceFails) {
  const std::uint16_t port = free_port();
  const Side& holder = start_in_cgroup(port, true, "/system.slice/" + unit("backend"));
  start_bindtrace(port);
  const std::string runit_unit = unit("runit");
  const Side& failing = start_under(runsv("backend", "/system.slice/" + runit_unit), port, false);

  expect_conflict(port, failing, holder, {"runit", "backend", runit_unit}, {"systemd", unit("backend")});
}

// ---------------------------------------------------------------------------
// s6 (G3): s6-svscan -> s6-supervise <service dir> -> the service.

TEST_F(ManagersBothSidesTest, S6ServiceHoldsThePortAndTheSystemdUnitCopyFails) {
  const std::uint16_t port = free_port();
  const Side& holder =
      start_under(ManagerLook{.argv = {"s6-supervise", "backend"}, .cgroup = "/system.slice/" + unit("s6")}, port,
                  true);
  const std::string failing_cgroup = "/system.slice/" + unit("backend");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("backend")}, {"s6", "backend", unit("s6")});
}

// ---------------------------------------------------------------------------
// OpenRC (G4): supervise-daemon <svc> --start ..., RC_SVCNAME, /openrc.<svc>.

TEST_F(ManagersBothSidesTest, OpenrcServiceHoldsThePortAndTheSystemdUnitCopyFails) {
  const std::uint16_t port = free_port();
  const std::string svc = "bt" + tag_ + "-backend";
  const Side& holder = start_under(
      ManagerLook{.argv = {"supervise-daemon", svc, "--start", "--pidfile", "/run/supervise-" + svc + ".pid",
                           "--respawn-delay", "2", "/usr/bin/backend", "--"},
                  .env = {"RC_SVCNAME=" + svc, "RC_SERVICE=/etc/init.d/" + svc, "RC_RUNLEVEL=default"},
                  .cgroup = "/openrc." + svc},
      port, true);
  const std::string failing_cgroup = "/system.slice/" + unit("backend");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("backend")}, {"openrc", svc});
}

// OpenRC without supervise-daemon: start-stop-daemon --background forks the
// daemon and exits, so the daemon's parent is gone; RC_SVCNAME and the
// /openrc.<svc> cgroup remain.
TEST_F(ManagersBothSidesTest, OpenrcStartStopDaemonServiceHoldsThePortAndTheSystemdUnitCopyFails) {
  const std::uint16_t port = free_port();
  const std::string svc = "bt" + tag_ + "-api";
  Child::Options options{.cgroup_procs = cgroups_->make("/openrc." + svc)};
  Child ssd({"env", "RC_SVCNAME=" + svc, "RC_SERVICE=/etc/init.d/" + svc, "BT_PORT=" + std::to_string(port),
             "BT_MAX_SECONDS=90", "sh", "-c", "\"$0\" </dev/null 2>/dev/null &", testprog("bt_hold")},
            options);
  const auto ready = ssd.expect_line("ready");
  EXPECT_EQ(ssd.wait(), 0);
  ASSERT_TRUE(ready) << ssd.drain_stderr();
  Side& holder = sides_.emplace_back();
  holder.pid = number_after(*ready, "pid=");
  ASSERT_GT(holder.pid, 0);
  strays_.emplace_back(holder.pid, start_time_of(holder.pid));
  EXPECT_NE(ppid_of(holder.pid), ssd.pid());

  const std::string failing_cgroup = "/system.slice/" + unit("api");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("api")}, {"openrc", svc});
}

// ---------------------------------------------------------------------------
// Both sides in-process managers: runit runs the backend, and pm2 starts it too.

TEST_F(ManagersBothSidesTest, RunitServiceHoldsThePortAndThePm2AppFails) {
  const std::uint16_t port = free_port();
  const Side& holder = start_under(runsv("backend", "/system.slice/" + unit("runit")), port, true);
  start_bindtrace(port);
  const Side& failing = start_under(pm2_god_daemon("/system.slice/" + unit("pm2-root"), "backend", "1"), port, false);

  expect_conflict(port, failing, holder, {"pm2", "backend", unit("pm2-root")}, {"runit", "backend", unit("runit")});
}

// ---------------------------------------------------------------------------
// screen (G6): someone started the backend by hand in a detached session of
// the real `screen -dmS <name> <command>`.

// The pids whose /proc/PID/cmdline is exactly `argv` (NUL-separated).
std::vector<pid_t> pids_running(const std::vector<std::string>& argv) {
  std::string want;
  for (const std::string& a : argv) want += a + '\0';
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline == want) pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

TEST_F(ManagersBothSidesTest, ScreenSessionHoldsThePortAndTheSystemdUnitFails) {
  const std::uint16_t port = free_port();
  const std::string session = "bt" + tag_ + "-web";
  // screen forks the session process (it shows as "SCREEN -dmS <name> ...",
  // comm "screen") and returns; the session runs the command in window 0.
  Child start({"env", "BT_PORT=" + std::to_string(port), "BT_MAX_SECONDS=90", "screen", "-dmS", session,
               testprog("bt_hold")});
  ASSERT_EQ(wait_within(start, 10s), 0) << start.drain_stderr();
  Side& holder = sides_.emplace_back();
  ASSERT_TRUE(eventually([&] {
    const auto sessions = pids_running({"SCREEN", "-dmS", session, testprog("bt_hold")});
    if (sessions.size() != 1) return false;
    holder.manager_pid = sessions[0];
    const auto windows = pids_running({testprog("bt_hold")});
    for (pid_t w : windows)
      if (ppid_of(w) == holder.manager_pid) holder.pid = w;
    return holder.pid > 0 && can_connect(port);
  }, 10s)) << "no screen session " << session << " serving port " << port;
  strays_.emplace_back(holder.manager_pid, start_time_of(holder.manager_pid));
  strays_.emplace_back(holder.pid, start_time_of(holder.pid));
  EXPECT_EQ(comm_of(holder.manager_pid), "screen");

  const std::string failing_cgroup = "/system.slice/" + unit("backend");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("backend")},
                  {"screen", "screen session " + std::to_string(holder.manager_pid)});
}

// ---------------------------------------------------------------------------
// Containers by cgroup (E11, E7, E4, E5): host-networked, so they share the
// host's port space.

// lxc container with lxc.net.0.type = none; its own systemd runs nginx inside.
TEST_F(ManagersBothSidesTest, LxcContainerHoldsThePortAndTheSystemdUnitFails) {
  const std::uint16_t port = free_port();
  const std::string name = "bt" + tag_ + "-web";
  const Side& holder = start_in_cgroup(port, true, "/lxc.payload." + name + "/system.slice/nginx.service");
  const std::string failing_cgroup = "/system.slice/" + unit("nginx");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("nginx")}, {"lxc", name});
}

// `ctr run --net-host` in the default namespace (cgroupfs layout: /default/<id>).
TEST_F(ManagersBothSidesTest, ContainerdTaskHoldsThePortAndTheSystemdUnitFails) {
  const std::uint16_t port = free_port();
  const std::string id = hex_id('a');
  const Side& holder = start_in_cgroup(port, true, "/default/" + id);
  const std::string failing_cgroup = "/system.slice/" + unit("web");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("web")}, {"containerd", id.substr(0, 12)});
}

// A CRI container (hostNetwork pod, systemd driver) fails: a systemd unit on the node holds the port.
TEST_F(ManagersBothSidesTest, SystemdUnitHoldsThePortAndTheCriContainerdContainerFails) {
  const std::uint16_t port = free_port();
  const Side& holder = start_in_cgroup(port, true, "/system.slice/" + unit("web"));
  const std::string id = hex_id('b');
  const std::string failing_cgroup =
      "/kubepods.slice/kubepods-besteffort.slice/"
      "kubepods-besteffort-pod63b3ebfc_2890_11e9_8154_16bf8ef8d9dc.slice/cri-containerd-" +
      id + ".scope";
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"containerd", id.substr(0, 12), "", "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc"},
                  {"systemd", unit("web")});
}

// A hostNetwork pod under the kubelet's cgroupfs driver holds the port.
TEST_F(ManagersBothSidesTest, KubernetesPodHoldsThePortAndTheSystemdUnitFails) {
  const std::uint16_t port = free_port();
  const std::string id = hex_id('c');
  const std::string pod = "ac04f3f2-1f2c-11e9-b015-1ebee232acfa";
  const Side& holder = start_in_cgroup(port, true, "/kubepods/besteffort/pod" + pod + "/" + id);
  const std::string failing_cgroup = "/system.slice/" + unit("web");
  cgroups_->make(failing_cgroup);
  start_bindtrace(port);
  const Side& failing = start_in_cgroup(port, false, failing_cgroup);

  expect_conflict(port, failing, holder, {"systemd", unit("web")}, {"kubernetes", id.substr(0, 12), "", pod});
}

}  // namespace
}  // namespace bindtrace
