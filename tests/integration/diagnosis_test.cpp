// Diagnosis (docs/diagnosis.md) end to end: one test per code, each
// re-enacting a real incident with real programs (supervisord, python's
// http.server, PostgreSQL, systemd-socket-activate, a docker-proxy stand-in,
// an unprivileged user), traced by the built binary (`bindtrace --json`),
// asserting on event.diagnosis (code, summary, paste-able remedies) and on the
// process/owner facts the diagnosis rests on.
//
// Every process, cgroup directory, supervisord, temp dir and sysctl a test
// touches is put back when it ends, also when an assertion fails.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
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
#include "diagnosis_harness.hpp"
#include "postgres.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::Child;
using namespace testing;  // real_parts.hpp helpers
using testing::free_port;
using testing::testprog;

// ---------------------------------------------------------------------------
// Helpers (the rest are in diagnosis_harness.hpp)

// A sysctl under /proc/sys set for one test and restored afterwards.
class Sysctl {
 public:
  Sysctl(std::string path, const std::string& value) : path_(std::move(path)), old_(read_file(path_)) {
    std::ofstream(path_) << value << std::flush;
  }
  ~Sysctl() {
    if (!old_.empty()) std::ofstream(path_) << old_ << std::flush;
  }
  Sysctl(const Sysctl&) = delete;
  Sysctl& operator=(const Sysctl&) = delete;

 private:
  std::string path_;
  std::string old_;
};


// ---------------------------------------------------------------------------
// duplicate_manager: "systemd and supervisor both start the same backend".
// supervisord runs [program:backend] = python3 -m http.server P; then the same
// command is started as a systemd unit (its cgroup) and fails.


TEST_F(DiagnosisTest, DuplicateManagerSameServerUnderSupervisorAndSystemdNamesBothCommands) {
  const std::uint16_t port = free_port();
  const std::string cwd = fs::current_path();
  Supervisord supervisord({std::string(kPython) + " -m http.server " + std::to_string(port), "", cwd});
  const pid_t backend = supervisord.program_pid();
  ASSERT_GT(backend, 0) << supervisord.log();
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << supervisord.log();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  const std::string unit = "bt-dm-" + tag_ + ".service";
  auto failing = http_server(port, "/system.slice/" + unit);
  EXPECT_EQ(wait_within(*failing, 10s), 1);  // OSError: [Errno 98] Address already in use

  const auto e = bt.next();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ((*e)["error"], "EADDRINUSE");
  EXPECT_EQ((*e)["process"]["pid"], failing->pid());
  EXPECT_EQ((*e)["process"]["service"]["manager"], "systemd") << e->dump();
  EXPECT_EQ((*e)["process"]["service"]["name"], unit) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], backend) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["service"]["manager"], "supervisor") << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["service"]["name"], "backend:backend") << e->dump();

  const json& d = (*e)["diagnosis"];
  EXPECT_EQ(d["code"], "duplicate_manager") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("python3 -m http.server runs twice"), std::string::npos) << summary;
  EXPECT_NE(summary.find("pid " + std::to_string(backend) + " under supervisor program backend:backend"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("pid " + std::to_string(failing->pid()) + " was started by systemd unit " + unit),
            std::string::npos)
      << summary;
  // The side that failed first (it serves nothing), then the other direction.
  ASSERT_GE(d["remedies"].size(), 2u) << e->dump();
  EXPECT_TRUE(contains(d["remedies"][0], "systemctl disable --now " + unit + "  # keep supervisor program backend:backend"))
      << d["remedies"].dump();
  EXPECT_TRUE(contains(d["remedies"][1], "supervisorctl stop backend:backend  # or keep systemd unit " + unit))
      << d["remedies"].dump();
  EXPECT_TRUE(contains(d["remedies"][1], "[program:backend]")) << d["remedies"].dump();
  EXPECT_EQ(d["restart_loop"], false);
}

// ---------------------------------------------------------------------------
// stale_instance: a dev server left behind by a closed terminal. The shell
// that started it in the background exits; the server is reparented and
// keeps the port; starting the same command again fails.

TEST_F(DiagnosisTest, StaleInstanceOrphanedDevServerFromAClosedTerminalIsKilledByPid) {
  const std::uint16_t port = free_port();
  const std::string command = std::string(kPython) + " -m http.server " + std::to_string(port);
  Child shell({"setsid", "sh", "-c", command + " >/dev/null 2>&1 & echo $!; exit 0"});
  const auto pid_line = shell.read_line();
  ASSERT_TRUE(pid_line) << shell.drain_stderr();
  const pid_t orphan = static_cast<pid_t>(std::stol(*pid_line));
  EXPECT_EQ(wait_within(shell, 5s), 0);
  const bool serving = eventually([&] { return comm_of(orphan) == "python3" && can_connect(port); });
  if (!serving) ::kill(orphan, SIGKILL);
  ASSERT_TRUE(serving);
  StrayProcess orphan_guard(orphan);
  // On this host nothing sits between pid 1 and the test (no subreaper), so
  // the orphan is reparented to pid 1, as after a closed terminal.
  ASSERT_EQ(ppid_of(orphan), 1) << "reparented to a subreaper, not pid 1";

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  auto again = http_server(port);
  EXPECT_EQ(wait_within(*again, 10s), 1);

  const auto e = bt.next();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ((*e)["process"]["pid"], again->pid());
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  const json& holder = (*e)["owner"]["holders"][0];
  EXPECT_EQ(holder["pid"], orphan);
  EXPECT_EQ(holder["service"]["manager"], "adhoc") << e->dump();
  EXPECT_NE(std::find(holder["service"]["notes"].begin(), holder["service"]["notes"].end(), "orphaned"),
            holder["service"]["notes"].end())
      << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "stale_instance") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("an earlier instance of the same program (python3 -m http.server, pid " +
                         std::to_string(orphan)),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("closed terminal (orphaned)"), std::string::npos) << summary;
  ASSERT_FALSE((*e)["diagnosis"]["remedies"].empty());
  EXPECT_TRUE(contains((*e)["diagnosis"]["remedies"][0], "kill -TERM " + std::to_string(orphan)))
      << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "kill -KILL " + std::to_string(orphan))) << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// system_vs_user: the same backend installed as a system unit and as uid
// 1000's user unit; the user one starts second and fails.

TEST_F(DiagnosisTest, SystemVsUserUserUnitFailsAgainstTheSystemUnitAndIsToldToUseSystemctlUser) {
  const std::uint16_t port = free_port();
  const std::string unit = "bt-svu-" + tag_ + ".service";
  auto system_copy = hold(port, "/system.slice/" + unit);

  const auto e = event_of(port, [&] {
    Child user_copy({"setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "env",
                     "BT_PORT=" + std::to_string(port), testprog("bt_hold")},
                    Child::Options{.cgroup_procs =
                                       cgroups_->make("/user.slice/user-1000.slice/user@1000.service/app.slice/" + unit)});
    EXPECT_EQ(wait_within(user_copy, 10s), 1);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["process"]["uid"], 1000);
  EXPECT_EQ((*e)["process"]["service"]["scope"], "user") << e->dump();
  EXPECT_EQ((*e)["process"]["service"]["name"], unit) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], system_copy->pid());
  EXPECT_EQ((*e)["owner"]["holders"][0]["service"]["scope"], "system") << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "system_vs_user") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("port " + std::to_string(port) + " is wanted at system level by systemd unit " + unit),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("at user level by systemd user unit " + unit + " (uid 1000)"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("the system one holds it (bt_hold, pid " + std::to_string(system_copy->pid()) + ")"),
            std::string::npos)
      << summary;
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 3u) << remedies.dump();
  const std::string ctl = "systemctl --user -M " + login_name_or_uid(1000) + "@ ";
  EXPECT_EQ(remedies[0], ctl + "disable --now " + unit + "  # keep the system one") << remedies.dump();
  EXPECT_EQ(remedies[1], ctl + "mask " + unit + "  # so nothing starts it again") << remedies.dump();
  EXPECT_TRUE(contains(remedies[2], "systemctl disable --now " + unit + "  # or keep the user one"))
      << remedies.dump();
}

// ---------------------------------------------------------------------------
// foreign_service: a PostgreSQL server already listens on the port a web
// server wants. The holder (a different program) decides the code; the
// remedies stop it or move to a free port, named.

TEST_F(DiagnosisTest, ForeignServicePostgresHoldsThePortAWebServerWantsAndAFreePortIsNamed) {
  const std::string bin = postgres_bin_dir();
  if (bin.empty()) {
    if (testing::under_ci()) FAIL() << "CI is set, but PostgreSQL is missing (Debian package postgresql-15)";
    GTEST_SKIP() << "PostgreSQL is missing (Debian package postgresql-15)";
  }
  const std::uint16_t port = free_port();
  Postgres pg(bin, port);
  ASSERT_TRUE(pg.started()) << pg.initdb_err();
  ASSERT_TRUE(eventually([&] { return can_connect(port); }, 30s)) << pg.drain();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  Child web({kPython, "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)});
  EXPECT_EQ(wait_within(web, 10s), 1);

  const auto e = bt.next();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ((*e)["process"]["pid"], web.pid());
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], pg.pid()) << e->dump();  // the postmaster
  EXPECT_EQ((*e)["owner"]["holders"][0]["comm"], "postgres");
  ASSERT_TRUE((*e)["alternatives"].is_array()) << e->dump();
  ASSERT_FALSE((*e)["alternatives"].empty()) << e->dump();
  const std::string alternative = std::to_string((*e)["alternatives"][0].get<int>());

  EXPECT_EQ((*e)["diagnosis"]["code"], "foreign_service") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("port " + std::to_string(port) + " is held by postgres (pid " + std::to_string(pg.pid())),
            std::string::npos)
      << summary;
  EXPECT_TRUE(any_remedy(*e, "kill -TERM " + std::to_string(pg.pid()) + "  # if nothing needs it"))
      << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "port " + alternative + " is free: use it instead"))
      << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// container_port: `docker run -p P:80` publishes P through docker-proxy (here
// bt_hold under that name and command line); a host server then fails.

TEST_F(DiagnosisTest, ContainerPortDockerProxyPublishesThePortAHostServerWants) {
  const std::uint16_t port = free_port();
  TempDir dir("fwd");
  const std::string proxy_path = dir.path() + "/docker-proxy";
  fs::create_symlink(testprog("bt_hold"), proxy_path);
  auto proxy = hold(port, "", proxy_path,
                    {"-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", std::to_string(port), "-container-ip",
                     "172.17.0.2", "-container-port", "80"});

  const auto e = event_of(port, [&] {
    auto web = http_server(port);
    EXPECT_EQ(wait_within(*web, 10s), 1);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["owner"]["kind"], "forwarder") << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], proxy->pid());
  EXPECT_EQ((*e)["owner"]["holders"][0]["comm"], "docker-proxy");
  EXPECT_EQ((*e)["owner"]["holders"][0]["service"]["manager"], "docker") << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "container_port") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("port " + std::to_string(port) + " is published by docker (container at 172.17.0.2:80)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("pid " + std::to_string(proxy->pid())), std::string::npos) << summary;
  EXPECT_TRUE(any_remedy(*e, "docker ps --filter publish=" + std::to_string(port)))
      << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "publish the container on another host port (-p ")) << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// socket_activation: a socket-activated service (systemd-socket-activate plays
// the .socket unit; the first connection execs the service in place with
// LISTEN_FDS). Another program then fails to bind: stopping the service
// would not free the port, the .socket unit must go.

TEST_F(DiagnosisTest, SocketActivationHandedOverSocketNamesTheSocketUnitNotOnlyTheService) {
  const std::uint16_t port = free_port();
  const std::string unit = "bt-sa-" + tag_ + ".service";
  const std::string socket_unit = "bt-sa-" + tag_ + ".socket";
  Child activator({"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port), "-E",
                   "BT_MAX_SECONDS=90", testprog("bt_hold")},
                  Child::Options{.cgroup_procs = cgroups_->make("/system.slice/" + unit), .pipe_stdin = true});
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << activator.drain_stderr();  // triggers the exec
  const auto ready = activator.expect_line("ready");
  ASSERT_TRUE(ready) << activator.drain_stderr();
  ASSERT_NE(ready->find("activated=1"), std::string::npos) << *ready;

  const auto e = event_of(port, [&] {
    Child other({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    EXPECT_EQ(wait_within(other, 10s), 1);
  });
  ASSERT_TRUE(e);
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], activator.pid());
  EXPECT_EQ((*e)["owner"]["holders"][0]["service"]["socket_unit"], socket_unit) << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "socket_activation") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("systemd socket unit " + socket_unit + " holds 127.0.0.1:" + std::to_string(port) +
                         " and hands it to " + unit + " (pid " + std::to_string(activator.pid()) + ")"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("stopping the service does not free the port"), std::string::npos) << summary;
  EXPECT_TRUE(any_remedy(*e, "systemctl stop " + socket_unit + " " + unit)) << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "systemctl disable " + socket_unit)) << (*e)["diagnosis"]["remedies"].dump();
}

// The same activator before the first connection: systemd-socket-activate
// itself holds the listening socket (no LISTEN_FDS in its own environment, pid
// != 1, no .socket unit anywhere). Rule 5 keys on pid 1 / systemd --user or a
// handed-over socket, so this is a plain holder: foreign_service, named by
// program and pid, stopped with kill. That is the right answer: a
// `systemctl ... NAME.socket` remedy would name a unit that does not exist.
TEST_F(DiagnosisTest, SocketActivationWaitingActivatorIsAPlainHolderStoppedByPid) {
  const std::uint16_t port = free_port();
  Child activator({"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port), "-E",
                   "BT_MAX_SECONDS=90", testprog("bt_hold")},
                  Child::Options{.pipe_stdin = true});
  // Listening, but no connection yet (a connect would trigger the exec).
  ASSERT_TRUE(eventually([&] {
    return read_file("/proc/net/tcp").find(":" + [&] {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "%04X", port);
      return std::string(hex);
    }() + " 00000000:0000 0A") != std::string::npos;
  })) << activator.drain_stderr();

  const auto e = event_of(port, [&] {
    Child other({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    EXPECT_EQ(wait_within(other, 10s), 1);
  });
  ASSERT_TRUE(e);
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], activator.pid());
  EXPECT_EQ((*e)["owner"]["holders"][0]["comm"], "systemd-socket-");  // TASK_COMM_LEN
  EXPECT_EQ((*e)["diagnosis"]["code"], "foreign_service") << e->dump();
  EXPECT_TRUE(any_remedy(*e, "kill -TERM " + std::to_string(activator.pid()))) << e->dump();
}

// ---------------------------------------------------------------------------
// time_wait: a server restarted at once after it closed a connection first
// (TIME_WAIT on its port) and binds without SO_REUSEADDR.

TEST_F(DiagnosisTest, TimeWaitRapidRestartWithoutReuseaddrIsToldToSetItAndHowLongToWait) {
  const std::uint16_t port = free_port();
  Child first({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "time-wait"});
  ASSERT_TRUE(first.expect_line("timewait")) << first.drain_stderr();
  EXPECT_EQ(wait_within(first, 5s), 0);

  const auto e = event_of(port, [&] {
    Child restart({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    EXPECT_EQ(wait_within(restart, 10s), 1);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["socket"]["reuseaddr"], false);
  EXPECT_EQ((*e)["owner"]["kind"], "time_wait") << e->dump();
  EXPECT_GE((*e)["owner"]["count"].get<int>(), 1) << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "time_wait") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("TIME_WAIT socket"), std::string::npos) << summary;
  EXPECT_NE(summary.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << summary;
  EXPECT_NE(summary.find(" s more"), std::string::npos) << summary;  // "for up to 59 s more"
  EXPECT_NE(summary.find("the new socket lacks SO_REUSEADDR"), std::string::npos) << summary;
  EXPECT_TRUE(any_remedy(*e, "set SO_REUSEADDR on the listening socket before bind()"))
      << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "or wait ")) << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// restart_loop: a unit with Restart=always crash-looping against a port
// another server holds: five starts of the same program fail within the
// restart window (60 s).

TEST_F(DiagnosisTest, RestartLoopFailuresOfTheSameProgramWithinTheWindowAreFlagged) {
  const std::uint16_t port = free_port();
  auto holder = http_server(port);
  ASSERT_TRUE(eventually([&] { return can_connect(port); }));

  Bindtrace bt(port, 5);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  const std::string unit = "bt-rl-" + tag_ + ".service";
  const std::string procs = cgroups_->make("/system.slice/" + unit);
  for (int i = 0; i < 5; ++i) {  // at most 5 x 5 s: inside the 60 s window whatever the load
    Child start({testprog("bt_sock"), "-a", "0.0.0.0", "-P", std::to_string(port), "listen"},
                Child::Options{.cgroup_procs = procs});
    EXPECT_EQ(wait_within(start, 5s), 1);
  }

  std::vector<json> events;
  for (int i = 0; i < 5; ++i) {
    auto e = bt.next();
    ASSERT_TRUE(e) << "only " << i << " events";
    events.push_back(*e);
  }
  EXPECT_EQ(bt.wait(), 0);
  for (int i = 0; i < 5; ++i) {
    // docs/events.md: failures_in_window is written when > 1.
    if (i == 0)
      EXPECT_FALSE(events[i]["diagnosis"].contains("failures_in_window")) << events[i].dump();
    else
      EXPECT_EQ(events[i]["diagnosis"].value("failures_in_window", 0), i + 1) << events[i].dump();
    EXPECT_EQ(events[i]["diagnosis"]["restart_loop"], i + 1 >= 3) << events[i].dump();
    EXPECT_EQ(events[i]["diagnosis"]["code"], "foreign_service") << events[i].dump();  // the code stays
  }
  const json& fifth = events[4];
  EXPECT_EQ(fifth["process"]["service"]["name"], unit) << fifth.dump();
  ASSERT_FALSE(fifth["owner"]["holders"].empty()) << fifth.dump();
  EXPECT_EQ(fifth["owner"]["holders"][0]["pid"], holder->pid());
  const std::string summary = summary_of(fifth);
  EXPECT_NE(summary.find("is held by python3 -m http.server (pid " + std::to_string(holder->pid())),
            std::string::npos)
      << summary;
  EXPECT_TRUE(summary.ends_with("(5th failure in 60 s)")) << summary;
  EXPECT_EQ(summary_of(events[1]).find("failure in"), std::string::npos) << summary_of(events[1]);
}

// ---------------------------------------------------------------------------
// reuseport_mismatch: a second worker of a SO_REUSEPORT server (nginx
// `reuseport`, envoy) started from a build that does not set it.

TEST_F(DiagnosisTest, ReuseportMismatchListenerSetsItAndTheNewSocketDoesNot) {
  const std::uint16_t port = free_port();
  Child listener({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--reuseport",
                  "--stdin-hold", "listen"},
                 Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(listener.expect_line("ready")) << listener.drain_stderr();

  const auto e = event_of(port, [&] {
    Child worker({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "listen"});
    EXPECT_EQ(wait_within(worker, 10s), 1);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["socket"]["reuseport"], false);
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], listener.pid());

  EXPECT_EQ((*e)["diagnosis"]["code"], "reuseport_mismatch") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("SO_REUSEPORT is set on the listener 127.0.0.1:" + std::to_string(port) + " of bt_sock (pid " +
                         std::to_string(listener.pid())),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("but not on the new socket"), std::string::npos) << summary;
  EXPECT_TRUE(any_remedy(*e, "set SO_REUSEPORT on both sockets before bind(), or on neither"))
      << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// listen_conflict: two sockets bound with SO_REUSEADDR; only one may listen.

TEST_F(DiagnosisTest, ListenConflictSecondListenOnAReuseaddrPairFails) {
  const std::uint16_t port = free_port();
  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  Child app({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--hold-on-error",
             "--exit-after-ms", "3000", "double-listen"});
  ASSERT_TRUE(app.expect_line("error op=listen")) << app.drain_stderr();

  const auto e = bt.next();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);
  app.signal(SIGTERM);
  wait_within(app, 5s);
  EXPECT_EQ((*e)["event"], "listen_failed");
  EXPECT_EQ((*e)["error"], "EADDRINUSE");
  EXPECT_EQ((*e)["process"]["pid"], app.pid());

  EXPECT_EQ((*e)["diagnosis"]["code"], "listen_conflict") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("listen() on 127.0.0.1:" + std::to_string(port) +
                         " failed: another socket bound to it is already listening"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("SO_REUSEADDR lets two sockets bind, not both listen"), std::string::npos) << summary;
  EXPECT_TRUE(any_remedy(*e, "only one socket may listen on an address:port")) << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "SO_REUSEPORT on both sockets")) << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// privileged_port: `python3 -m http.server 80` as an unprivileged user.

TEST_F(DiagnosisTest, PrivilegedPortUnprivilegedUserOnPort80IsOfferedTheCapability) {
  const std::uint16_t port = 80;
  Sysctl start("/proc/sys/net/ipv4/ip_unprivileged_port_start", "1024");
  ASSERT_EQ(read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start"), "1024\n");

  Bindtrace bt(port, 1, {"--errno", "EACCES"});  // port 80: only this failure
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  Child web({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
             kPython, "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)});
  EXPECT_EQ(wait_within(web, 10s), 1);  // PermissionError: [Errno 13]

  const auto e = bt.next();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_EQ((*e)["error"], "EACCES");
  EXPECT_EQ((*e)["process"]["uid"], 65534);
  EXPECT_EQ((*e)["process"]["pid"], web.pid());

  EXPECT_EQ((*e)["diagnosis"]["code"], "privileged_port") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("port 80 is below 1024 (net.ipv4.ip_unprivileged_port_start) and uid 65534 lacks "
                         "CAP_NET_BIND_SERVICE"),
            std::string::npos)
      << summary;
  const std::string setcap = remedy_with(*e, "setcap 'cap_net_bind_service=+ep' ");
  EXPECT_FALSE(setcap.empty()) << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(setcap.find("/usr/bin/python3") != std::string::npos) << setcap;  // the exe or argv[0]
  EXPECT_TRUE(setcap.find("every script this interpreter runs") != std::string::npos) << setcap;
  EXPECT_TRUE(any_remedy(*e, "use it instead") || any_remedy(*e, "use a port >= 1024"))
      << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "sysctl -w net.ipv4.ip_unprivileged_port_start=80")) << (*e)["diagnosis"]["remedies"].dump();
}

// ---------------------------------------------------------------------------
// address_not_available: a server configured for a VIP that is not (yet) on
// any interface.

TEST_F(DiagnosisTest, AddressNotAvailableServerBindsAnAddressNoInterfaceHas) {
  const std::uint16_t port = free_port();
  ASSERT_EQ(std::system("ip -br addr | grep -q '10\\.255\\.255\\.1/'"), 256) << "10.255.255.1 is configured here";
  const auto e = event_of(port, [&] {
    Child web({kPython, "-m", "http.server", "--bind", "10.255.255.1", std::to_string(port)});
    EXPECT_EQ(wait_within(web, 10s), 1);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["error"], "EADDRNOTAVAIL");
  EXPECT_EQ((*e)["addr"], "10.255.255.1");

  EXPECT_EQ((*e)["diagnosis"]["code"], "address_not_available") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("bind() to 10.255.255.1:" + std::to_string(port) +
                         " failed: the address 10.255.255.1 is not configured on any interface"),
            std::string::npos)
      << summary;
  EXPECT_TRUE(any_remedy(*e, "ip -br addr")) << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "ip addr add 10.255.255.1/32 dev lo")) << (*e)["diagnosis"]["remedies"].dump();
  EXPECT_TRUE(any_remedy(*e, "sysctl -w net.ipv4.ip_nonlocal_bind=1")) << (*e)["diagnosis"]["remedies"].dump();
}

}  // namespace
}  // namespace bindtrace
