// Program identity end to end (docs/diagnosis.md, "Same program"): real
// processes in real working directories, traced by the built binary. The
// same `python3 -m http.server P` in two directories under two managers, a
// relative `python3 app.py` naming two different files, one program with two
// configurations, and a holder started with `&` or setsid from a shell that
// still runs. The failing copies are kept alive (PYTHONINSPECT, or a script
// that waits) until bindtrace has read their working directory, so the cwd
// is really part of the evidence.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "diagnosis_harness.hpp"
#include "postgres.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace testing;

// The interpreter's real executable, as /proc/PID/exe names it.
std::string python_exe() {
  return fs::canonical(kPython).string();
}

// `python3 ARGS...` started in `dir`, stdin kept open; with PYTHONINSPECT a copy
// whose bind failed waits on stdin instead of exiting.
std::unique_ptr<Child> python_in(const std::string& dir, const std::vector<std::string>& args,
                                 const std::string& cgroup_procs = "") {
  std::vector<std::string> argv{"env", "-C", dir, "PYTHONINSPECT=1", kPython};
  argv.insert(argv.end(), args.begin(), args.end());
  Child::Options options{.cgroup_procs = cgroup_procs, .pipe_stdin = true};
  return std::make_unique<Child>(std::move(argv), options);
}

std::string at(const json& value, const char* key) {
  return value.contains(key) && value[key].is_string() ? value[key].get<std::string>() : std::string{};
}

// -----------------------------------------------------------------------------
// The same module, two working directories, two managers: supervisord runs it
// from its own directory, a systemd unit from /srv-like site directory.

TEST_F(DiagnosisTest, DuplicateManagerSameModuleInOtherWorkingDirectoriesIsOneProgram) {
  const std::uint16_t port = free_port();
  TempDir site("idm");
  const std::string srv = site.path() + "/srv/x";
  fs::create_directories(srv);
  const std::string supervisor_cwd = fs::current_path();
  ASSERT_NE(supervisor_cwd, srv);
  Supervisord supervisord({std::string(kPython) + " -m http.server " + std::to_string(port), "", ""});
  const pid_t backend = supervisord.program_pid();
  ASSERT_GT(backend, 0) << supervisord.log();
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << supervisord.log();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  const std::string unit = "bt-idm-" + tag_ + ".service";
  auto failing =
      python_in(srv, {"-m", "http.server", std::to_string(port)}, cgroups_->make("/system.slice/" + unit));
  const auto e = bt.next();
  failing->close_stdin();
  wait_within(*failing, 10s);
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);

  EXPECT_EQ((*e)["process"]["pid"], failing->pid());
  EXPECT_EQ(at((*e)["process"], "cwd"), srv) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  const json& holder = (*e)["owner"]["holders"][0];
  EXPECT_EQ(holder["pid"], backend);
  EXPECT_EQ(at(holder, "cwd"), supervisor_cwd) << e->dump();
  EXPECT_EQ(holder["service"]["name"], "backend:backend") << e->dump();

  EXPECT_EQ((*e)["diagnosis"]["code"], "duplicate_manager") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("python3 -m http.server runs twice: pid " + std::to_string(backend) +
                         " under supervisor program backend:backend"),
            std::string::npos)
      << summary;
  EXPECT_TRUE(summary.ends_with("; identity: exe " + python_exe() + " and argv match; cwd " + supervisor_cwd +
                                " vs " + srv + " does not matter (no relative path in argv)"))
      << summary;
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 2u) << remedies.dump();
  EXPECT_TRUE(contains(remedies[0],
                       "systemctl disable --now " + unit + "  # keep supervisor program backend:backend"))
      << remedies.dump();
  EXPECT_TRUE(contains(remedies[1], "supervisorctl stop backend:backend")) << remedies.dump();
}

// -----------------------------------------------------------------------------
// `python3 app.py` in two directories whose app.py are different files.

// An app.py that listens on argv[1] and then waits on stdin; when the port is
// taken it says so and waits too (so its cwd can still be read).
void write_app(const std::string& dir, const std::string& site) {
  fs::create_directories(dir);
  std::ofstream(dir + "/app.py") << "# the " << site << " site\n"
                                 << "import socket, sys\n"
                                    "s = socket.socket()\n"
                                    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                    "try:\n"
                                    "    s.bind(('0.0.0.0', int(sys.argv[1])))\n"
                                    "    s.listen()\n"
                                    "except OSError as e:\n"
                                    "    print('failed', e, flush=True)\n"
                                    "    sys.stdin.read()\n"
                                    "    sys.exit(1)\n"
                                    "print('ready', flush=True)\n"
                                    "sys.stdin.read()\n";
}

TEST_F(DiagnosisTest, ForeignServiceRelativeScriptNamingTwoFilesSaysWhichFileEachRuns) {
  const std::uint16_t port = free_port();
  TempDir sites("rel");
  const std::string a = sites.path() + "/a";
  const std::string b = sites.path() + "/b";
  write_app(a, "a");
  write_app(b, "b");
  auto first = python_in(a, {"app.py", std::to_string(port)});
  ASSERT_TRUE(first->expect_line("ready")) << first->drain_stderr();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  auto second = python_in(b, {"app.py", std::to_string(port)});
  ASSERT_TRUE(second->expect_line("failed")) << second->drain_stderr();
  const auto e = bt.next();
  second->close_stdin();
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);

  EXPECT_EQ((*e)["process"]["pid"], second->pid());
  EXPECT_EQ(at((*e)["process"], "cwd"), b) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], first->pid());
  EXPECT_EQ((*e)["diagnosis"]["code"], "foreign_service") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_NE(summary.find("is held by app.py (pid " + std::to_string(first->pid())), std::string::npos)
      << summary;
  EXPECT_TRUE(summary.ends_with("; not the same program: app.py is " + a + "/app.py for pid " +
                                std::to_string(first->pid()) + " but " + b + "/app.py for pid " +
                                std::to_string(second->pid())))
      << summary;
  EXPECT_TRUE(any_remedy(*e, "kill -TERM " + std::to_string(first->pid()))) << e->dump();
}

// -----------------------------------------------------------------------------
// One program, two configurations: the unit serves one directory, a second
// copy started by hand another (a relative --directory, read in its cwd).

TEST_F(DiagnosisTest, SecondInstanceSameServerWithAnotherDirectoryIsToldToUseTheUnitOrMove) {
  const std::uint16_t port = free_port();
  TempDir sites("si");
  const std::string a = sites.path() + "/a";
  fs::create_directories(a);
  fs::create_directories(sites.path() + "/b");
  const std::string unit = "bt-si-" + tag_ + ".service";
  Child first({kPython, "-m", "http.server", "--directory", a, std::to_string(port)},
              Child::Options{.cgroup_procs = cgroups_->make("/system.slice/" + unit)});
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << first.drain_stderr();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  auto second = python_in(sites.path(), {"-m", "http.server", "--directory", "b", std::to_string(port)});
  const auto e = bt.next();
  second->close_stdin();
  wait_within(*second, 10s);
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);

  EXPECT_EQ(at((*e)["process"], "cwd"), sites.path()) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], first.pid());
  EXPECT_EQ((*e)["diagnosis"]["code"], "second_instance") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_EQ(summary, "a second instance of python3 -m http.server with another configuration (pid " +
                         std::to_string(second->pid()) +
                         ", started by hand) wants 0.0.0.0:" + std::to_string(port) +
                         ", which python3 -m http.server (pid " + std::to_string(first.pid()) +
                         ", systemd unit " + unit + ") already holds; identity: same exe " + python_exe() +
                         ", config differs: --directory " + a + " for pid " + std::to_string(first.pid()) +
                         ", --directory b (" + sites.path() + "/b) for pid " + std::to_string(second->pid()));
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 2u) << remedies.dump();
  EXPECT_EQ(remedies[0], "systemctl reload " + unit + "  # use the running instance (pid " +
                             std::to_string(first.pid()) +
                             "): move what it should serve into its configuration, then reload it");
  EXPECT_TRUE(contains(remedies[1], "or move the second instance to another port")) << remedies.dump();
  if (!(*e)["alternatives"].empty())
    EXPECT_TRUE(
        contains(remedies[1], "(port " + std::to_string((*e)["alternatives"][0].get<int>()) + " is free)"))
        << remedies.dump();
}

// -----------------------------------------------------------------------------
// A second PostgreSQL with another data directory on the port the first one
// serves: the same executable, another configuration (-D).

TEST_F(DiagnosisTest, SecondInstanceAnotherPostgresDataDirectoryOnTheSamePort) {
  const std::string found = postgres_bin_dir();
  if (found.empty()) {
    if (under_ci()) FAIL() << "CI is set, but PostgreSQL is missing (Debian package postgresql-15)";
    GTEST_SKIP() << "PostgreSQL is missing (Debian package postgresql-15)";
  }
  // By its real path: the exe the evidence names is then the same whether the second server
  // (which exits at once) was read from /proc or known by its argv[0] only.
  const std::string bin = fs::canonical(found + "/postgres").parent_path();
  const std::uint16_t port = free_port();
  Postgres first(bin, port, "pg-a");
  ASSERT_TRUE(first.started()) << first.initdb_err();
  ASSERT_TRUE(eventually([&] { return can_connect(port); }, 30s)) << first.drain();

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  Postgres second(bin, port, "pg-b");
  ASSERT_TRUE(second.started()) << second.initdb_err();
  const auto e = bt.next(60s);
  ASSERT_TRUE(e) << "no event from bindtrace: " << second.drain();
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_NE(second.wait(10s), 0);  // FATAL: could not create any TCP/IP sockets

  EXPECT_EQ((*e)["process"]["pid"], second.pid());
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], first.pid());
  EXPECT_EQ((*e)["diagnosis"]["code"], "second_instance") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_TRUE(summary.starts_with("a second instance of postgres with another configuration (pid " +
                                  std::to_string(second.pid()) +
                                  ", started by hand) wants 127.0.0.1:" + std::to_string(port) +
                                  ", which postgres (pid " + std::to_string(first.pid())))
      << summary;
  EXPECT_TRUE(summary.ends_with("; identity: same exe " + bin + "/postgres, config differs: -D " +
                                first.data_dir() + " for pid " + std::to_string(first.pid()) + ", -D " +
                                second.data_dir() + " for pid " + std::to_string(second.pid())))
      << summary;
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_GE(remedies.size(), 2u) << remedies.dump();
  EXPECT_EQ(remedies[0],
            "kill -TERM " + std::to_string(first.pid()) + "  # if the first instance is no longer needed");
  EXPECT_TRUE(contains(remedies[1], "or move the second instance to another port")) << remedies.dump();
}

// -----------------------------------------------------------------------------
// `python3 -m http.server P &` (or `setsid python3 ... &`) from a shell that
// keeps running; then the identical command from that same shell and directory.
// The answer is the one a holder detached with setsid from a closed shell gets
// (StaleInstanceOrphanedDevServerFromAClosedTerminalIsKilledByPid): how the
// holder was detached does not matter.

void expect_stale_from_a_live_shell(const std::string& detach) {
  const std::uint16_t port = free_port();
  TempDir dir("bg");
  const std::string command = std::string(kPython) + " -m http.server " + std::to_string(port);
  const std::string script = "cd " + dir.path() + " || exit 1; " + detach + command +
                             " >/dev/null 2>&1 & echo $!; " + "while [ ! -e " + dir.path() +
                             "/go ]; do sleep 0.05; done; PYTHONINSPECT=1 " + command + "; wait";
  Child shell({"sh", "-c", script}, Child::Options{.pipe_stdin = true});
  const auto pid_line = shell.read_line();
  ASSERT_TRUE(pid_line) << shell.drain_stderr();
  const pid_t first = static_cast<pid_t>(std::stol(*pid_line));
  const bool serving = eventually([&] { return comm_of(first) == "python3" && can_connect(port); });
  if (!serving) ::kill(first, SIGKILL);
  ASSERT_TRUE(serving);
  StrayProcess first_guard(first);  // adopted once it runs python3
  ASSERT_EQ(ppid_of(first), shell.pid()) << "the shell that started it still runs and is its parent";

  Bindtrace bt(port, 1);
  ASSERT_TRUE(bt.attached()) << bt.first_err();
  std::ofstream(dir.path() + "/go") << "go\n";
  const auto e = bt.next();
  shell.close_stdin();  // the failed copy leaves its interactive prompt
  ASSERT_TRUE(e) << "no event from bindtrace";
  EXPECT_EQ(bt.wait(), 0);

  EXPECT_EQ((*e)["process"]["ppid"], shell.pid()) << e->dump();
  EXPECT_EQ(at((*e)["process"], "cwd"), dir.path()) << e->dump();
  ASSERT_FALSE((*e)["owner"]["holders"].empty()) << e->dump();
  EXPECT_EQ((*e)["owner"]["holders"][0]["pid"], first);
  EXPECT_EQ((*e)["diagnosis"]["code"], "stale_instance") << e->dump();
  const std::string summary = summary_of(*e);
  EXPECT_TRUE(summary.starts_with("an earlier instance of the same program (python3 -m http.server, pid " +
                                  std::to_string(first)))
      << summary;
  EXPECT_TRUE(
      summary.ends_with("; identity: exe " + python_exe() + " and argv match (cwd " + dir.path() + " too)"))
      << summary;
  const json& remedies = (*e)["diagnosis"]["remedies"];
  ASSERT_FALSE(remedies.empty());
  EXPECT_EQ(remedies[0], "kill -TERM " + std::to_string(first) + "  # then retry") << remedies.dump();
  first_guard.stop();
}

TEST_F(DiagnosisTest, StaleInstanceHolderStartedWithAmpersandFromAShellThatStillRuns) {
  expect_stale_from_a_live_shell("");
}

TEST_F(DiagnosisTest, StaleInstanceHolderStartedWithSetsidFromAShellThatStillRuns) {
  expect_stale_from_a_live_shell("setsid ");
}

}  // namespace
}  // namespace bindtrace
