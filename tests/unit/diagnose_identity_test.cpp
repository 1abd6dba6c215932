// Program identity and the rules built on it: stale_instance,
// duplicate_manager and second_instance, and the identity evidence (exe,
// argv, cwd, configuration) their summaries end in. Events are built in code,
// as the owner and attribution stages would fill them.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "bindtrace/diagnose/diagnose.hpp"
#include "diagnose_builders.hpp"

namespace bindtrace {
namespace {

using namespace diagnose_testing;

// ---------------------------------------------------------------- program identity

TEST(DiagnoseIdentity, SameExecutableAndArgumentsIsTheSameProgram) {
  const auto a = identity_of(process(1, "/usr/sbin/nginx -g daemon off;", "/usr/sbin/nginx", std::nullopt));
  const auto b = identity_of(holder(2, "/usr/sbin/nginx -g daemon off;", "/usr/sbin/nginx", std::nullopt));
  EXPECT_TRUE(same_program(a, b));
}

TEST(DiagnoseIdentity, DifferentArgumentsAreDifferentPrograms) {
  const auto a =
      identity_of(process(1, "/usr/bin/redis-server /etc/redis/a.conf", "/usr/bin/redis-server", {}));
  const auto b =
      identity_of(holder(2, "/usr/bin/redis-server /etc/redis/b.conf", "/usr/bin/redis-server", {}));
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, SameCommDifferentExecutableIsNotEnough) {
  const auto a = identity_of(process(1, "server --port 8001", "/opt/a/server", {}));
  const auto b = identity_of(holder(2, "server --port 8001", "/opt/b/server", {}));
  EXPECT_EQ(a.comm, b.comm);
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, CommAloneIsNeverEnough) {
  ProgramIdentity a;
  a.comm = "node";
  ProgramIdentity b = a;
  EXPECT_FALSE(same_program(a, b));
  a.argv = b.argv = {"server"};  // a bare name and nothing else: no better than comm
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, ExitedProcessComparedByItsWholeCommandLine) {
  const auto a = identity_of(process(1, "/opt/app/server --port 8001", "", {}));
  const auto b = identity_of(holder(2, "/opt/app/server --port 8001", "/opt/app/server", {}));
  EXPECT_TRUE(same_program(a, b));
  const auto c = identity_of(holder(2, "/opt/app/server --port 8002", "/opt/app/server", {}));
  EXPECT_FALSE(same_program(a, c));
}

TEST(DiagnoseIdentity, ReplacedBinaryStillTheSameProgram) {
  const auto a = identity_of(process(1, "/usr/bin/api", "/usr/bin/api", {}));
  const auto b = identity_of(holder(2, "/usr/bin/api", "/usr/bin/api (deleted)", {}));
  EXPECT_TRUE(same_program(a, b));
}

TEST(DiagnoseIdentity, PythonModuleIsTheProgram) {
  const auto a = identity_of(backend(1, std::nullopt));
  const auto b = identity_of(backend_holder(2, std::nullopt));
  EXPECT_TRUE(same_program(a, b));
}

TEST(DiagnoseIdentity, PythonSameCommDifferentScriptsAreDifferentPrograms) {
  const auto a = identity_of(process(1, "python3 worker.py", kPythonExe, {}, "/srv/app"));
  const auto b = identity_of(holder(2, "python3 server.py", kPythonExe, {}, "/srv/app"));
  EXPECT_EQ(a.comm, b.comm);
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, RelativeScriptNeedsTheSameWorkingDirectory) {
  const auto a = identity_of(process(1, "python3 app.py", kPythonExe, {}, "/srv/a"));
  EXPECT_FALSE(same_program(a, identity_of(holder(2, "python3 app.py", kPythonExe, {}, "/srv/b"))));
  EXPECT_TRUE(same_program(a, identity_of(holder(2, "python3 app.py", kPythonExe, {}, "/srv/a"))));
  EXPECT_FALSE(same_program(a, identity_of(holder(2, "python3 app.py", kPythonExe, {}, ""))));
}

TEST(DiagnoseIdentity, InterpreterFlagsDoNotChangeTheProgram) {
  const auto a = identity_of(process(1, "python3 -u /srv/app/serve.py", kPythonExe, {}));
  const auto b = identity_of(holder(2, "python3 -X dev /srv/app/serve.py", kPythonExe, {}));
  EXPECT_TRUE(same_program(a, b));
}

TEST(DiagnoseIdentity, RunnerWithDifferentApplicationsAreDifferentPrograms) {
  const auto a =
      identity_of(process(1, "/srv/venv/bin/python3 /srv/venv/bin/uvicorn app:app", kPythonExe, {}));
  const auto b =
      identity_of(holder(2, "/srv/venv/bin/python3 /srv/venv/bin/uvicorn admin:app", kPythonExe, {}));
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, JavaJarIsTheProgram) {
  const auto a = identity_of(process(1, "java -Xmx1g -jar /opt/svc/app.jar", "/usr/lib/jvm/bin/java", {}));
  const auto b = identity_of(holder(2, "java -jar /opt/svc/app.jar", "/usr/lib/jvm/bin/java", {}));
  const auto c = identity_of(holder(3, "java -jar /opt/other/app.jar", "/usr/lib/jvm/bin/java", {}));
  EXPECT_TRUE(same_program(a, b));  // interpreter options do not matter
  EXPECT_FALSE(same_program(a, c));
}

// Arguments after the jar are its configuration: another instance, not another program.
TEST(DiagnoseSecondInstance, JarWithOtherArgumentsIsASecondInstance) {
  const Diagnosis d =
      run(in_use(process(5, "java -jar /opt/svc/app.jar --debug", "/usr/lib/jvm/bin/java", std::nullopt),
                 held_by({holder(6, "java -Xmx1g -jar /opt/svc/app.jar", "/usr/lib/jvm/bin/java",
                                 systemd("svc.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_TRUE(d.summary.ends_with(
      "; identity: same exe /usr/lib/jvm/bin/java, argv differs: nothing for pid 6, --debug "
      "for pid 5"))
      << d.summary;
}

TEST(DiagnoseIdentity, DifferentInterpretersAreDifferentPrograms) {
  const auto a = identity_of(process(1, "node /srv/app/server.js", "/usr/bin/node", {}));
  const auto b = identity_of(holder(2, "bun /srv/app/server.js", "/usr/bin/bun", {}));
  EXPECT_FALSE(same_program(a, b));
}

TEST(DiagnoseIdentity, KeyIsTheCommandLine) {
  EXPECT_EQ(identity_key(identity_of(process(1, "/usr/bin/python3 -m uvicorn app:app", kPythonExe, {}))),
            "/usr/bin/python3 -m uvicorn app:app");
  ProgramIdentity only_comm;
  only_comm.comm = "srv";
  EXPECT_EQ(identity_key(only_comm), "comm:srv");
}

TEST(DiagnoseIdentity, SameModuleInOtherWorkingDirectoriesIsTheSameProgram) {
  const std::string cmd = "/usr/bin/python3 -m http.server 8001";
  const auto a = identity_of(process(1, cmd, kPythonExe, {}, "/srv/x"));
  EXPECT_TRUE(same_program(a, identity_of(holder(2, cmd, kPythonExe, {}, "/etc/supervisor"))));
  EXPECT_TRUE(same_program(a, identity_of(holder(2, cmd, kPythonExe, {}, ""))));
}

TEST(DiagnoseIdentity, SameNativeCommandInOtherWorkingDirectoriesIsTheSameProgram) {
  const std::string cmd = "/usr/local/bin/api --port 8001 --log-level info";
  EXPECT_TRUE(same_program(identity_of(process(1, cmd, "/usr/local/bin/api", {}, "/home/dev")),
                           identity_of(holder(2, cmd, "/usr/local/bin/api", {}, "/"))));
}

TEST(DiagnoseIdentity, RelativePathsNamingTheSameFileMatch) {
  const auto here = identity_of(process(1, "python3 app.py", kPythonExe, {}, "/srv/a"));
  EXPECT_TRUE(same_program(here, identity_of(holder(2, "python3 ../app.py", kPythonExe, {}, "/srv/a/sub"))));
  EXPECT_TRUE(same_program(here, identity_of(holder(2, "python3 /srv/a/app.py", kPythonExe, {}, "/"))));
  EXPECT_TRUE(same_program(
      identity_of(process(1, "/usr/bin/redis-server a.conf", "/usr/bin/redis-server", {}, "/etc/redis")),
      identity_of(holder(2, "/usr/bin/redis-server /etc/redis/a.conf", "/usr/bin/redis-server", {}))));
}

TEST(DiagnoseIdentity, RelativeConfigInOtherDirectoriesIsNotTheSameProgram) {
  EXPECT_FALSE(
      same_program(identity_of(process(1, "/usr/sbin/nginx -c nginx.conf", "/usr/sbin/nginx", {}, "/srv/a")),
                   identity_of(holder(2, "/usr/sbin/nginx -c nginx.conf", "/usr/sbin/nginx", {}, "/srv/b"))));
}

TEST(DiagnoseIdentity, AWordThatIsNotAPathDoesNotDependOnTheWorkingDirectory) {
  const std::string cmd = "/usr/sbin/apache2 -k start -D FOREGROUND";
  EXPECT_TRUE(same_program(identity_of(process(1, cmd, "/usr/sbin/apache2", {}, "/srv/a")),
                           identity_of(holder(2, cmd, "/usr/sbin/apache2", {}, "/srv/b"))));
}

TEST(DiagnoseIdentity, AnExitedProcessStartedThroughALinkIsKnownByItsArgv0) {
  const std::string link = "/usr/local/bin/postgres";
  const std::string real = "/usr/lib/postgresql/15/bin/postgres";
  const auto exited = identity_of(process(1, link + " -D /srv/a", "", {}));
  EXPECT_TRUE(same_program(exited, identity_of(holder(2, link + " -D /srv/a", real, {}))));
  EXPECT_FALSE(same_program(exited, identity_of(holder(2, "/opt/pg/postgres -D /srv/a", real, {}))));
  EXPECT_FALSE(same_program(identity_of(process(1, link + " -D /srv/a", "/opt/other/postgres", {})),
                            identity_of(holder(2, link + " -D /srv/a", real, {}))));
}

TEST(DiagnoseIdentity, NginxMasterTitleIsReadAsItsCommandLine) {
  EXPECT_TRUE(
      same_program(identity_of(process(1, "/usr/sbin/nginx -c /etc/nginx/nginx.conf", "/usr/sbin/nginx", {})),
                   identity_of(holder(2, "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf",
                                      "/usr/sbin/nginx", {}))));
}

// ---------------------------------------------------------------- stale_instance

TEST(DiagnoseStaleInstance, SameUnitLeftoverFromAnEarlierStart) {
  const Diagnosis d = run(in_use(backend(1300, systemd("connexa-backend.service")),
                                 held_by({backend_holder(991, systemd("connexa-backend.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::stale_instance);
  EXPECT_TRUE(contains(d.summary, "an earlier instance of the same program (python3 -m uvicorn, pid 991"))
      << d.summary;
  EXPECT_EQ(d.remedies.front(), "kill -TERM 991  # then retry");
  EXPECT_TRUE(contains(all(d), "KillMode"));
}

TEST(DiagnoseStaleInstance, StartTimeGivesTheAge) {
  Holder h = backend_holder(991, orphan(991));
  h.start_time = 100 * 60;  // 60 s after boot, in clock ticks (CLK_TCK 100)
  Event e = in_use(backend(1300, std::nullopt), held_by({h}));
  e.boot_ns = 3'660'000'000'000ULL;  // an hour later
  EXPECT_TRUE(contains(run(e).summary, "started 60 min ago")) << run(e).summary;
}

TEST(DiagnoseStaleInstance, SameCommDifferentScriptsIsNotStale) {
  const Diagnosis d =
      run(in_use(process(5, "python3 worker.py", kPythonExe, {}, "/srv/app"),
                 held_by({holder(6, "python3 server.py", kPythonExe, orphan(6), "/srv/app")})));
  EXPECT_NE(d.code, DiagnosisCode::stale_instance);
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
}

TEST(DiagnoseStaleInstance, TmuxPaneIsNamed) {
  Service tmux = managed(ManagerKind::tmux, "tmux server 4242");
  tmux.notes = {"pane %3"};
  tmux.pane = "%3";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/devsrv", "/usr/bin/devsrv", {}),
                                 held_by({holder(6, "/usr/bin/devsrv", "/usr/bin/devsrv", tmux)})));
  EXPECT_EQ(d.code, DiagnosisCode::stale_instance);
  EXPECT_TRUE(contains(d.summary, "tmux server 4242")) << d.summary;
  EXPECT_TRUE(contains(d.remedies.front(), "pane %3"));
}

// ---------------------------------------------------------------- duplicate_manager

TEST(DiagnoseDuplicateManager, FailingSystemdUnitLeadsWithDisablingItself) {
  const Diagnosis d = run(in_use(backend(1300, systemd("connexa-backend.service")),
                                 held_by({backend_holder(991, supervisor("backend", "backend"))})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  ASSERT_GE(d.remedies.size(), 2u);
  EXPECT_TRUE(d.remedies[0].starts_with("systemctl disable --now connexa-backend.service")) << d.remedies[0];
  EXPECT_TRUE(d.remedies[1].starts_with("supervisorctl stop backend:backend")) << d.remedies[1];
  EXPECT_TRUE(contains(d.remedies[1], "[program:backend]"));
}

TEST(DiagnoseDuplicateManager, StartedByHandWhileTheUnitRuns) {
  const Diagnosis d = run(in_use(backend(1300, std::nullopt),
                                 held_by({backend_holder(991, systemd("connexa-backend.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  EXPECT_TRUE(contains(d.summary, "started by hand")) << d.summary;
  EXPECT_TRUE(d.remedies[0].starts_with("systemctl restart connexa-backend.service")) << d.remedies[0];
  EXPECT_TRUE(contains(all(d), "systemctl disable --now connexa-backend.service"));
}

TEST(DiagnoseDuplicateManager, TwoEntriesOfOneManager) {
  const Diagnosis d = run(in_use(backend(1300, supervisor("web", "web_02")),
                                 held_by({backend_holder(991, supervisor("backend", "backend"))})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  EXPECT_TRUE(contains(all(d), "supervisorctl stop web:web_02"));
  EXPECT_TRUE(contains(all(d), "supervisorctl stop backend:backend"));
}

// Each manager's exact command, as the holder's side of a duplicate.
std::string holder_command(Service service) {
  const Diagnosis d = run(in_use(backend(1300, systemd("connexa-backend.service")),
                                 held_by({backend_holder(991, std::move(service))})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  return d.remedies.size() >= 2 ? d.remedies[1] : std::string{};
}

TEST(DiagnoseDuplicateManager, EachManagerHasItsCommand) {
  EXPECT_TRUE(holder_command(managed(ManagerKind::pm2, "api")).starts_with("pm2 delete api && pm2 save"));
  EXPECT_TRUE(holder_command(managed(ManagerKind::runit, "backend")).starts_with("sv down backend"));
  EXPECT_TRUE(
      holder_command(managed(ManagerKind::s6, "backend")).starts_with("s6-svc -d /run/service/backend"));
  EXPECT_TRUE(holder_command(managed(ManagerKind::openrc, "backend"))
                  .starts_with("rc-service backend stop && rc-update del backend"));
  EXPECT_TRUE(
      holder_command(container(ManagerKind::docker, "7951fb549ab9")).starts_with("docker stop 7951fb549ab9"));
  EXPECT_TRUE(holder_command(container(ManagerKind::podman, "backend")).starts_with("podman stop backend"));
  EXPECT_TRUE(holder_command(container(ManagerKind::lxc, "web1")).starts_with("lxc-stop -n web1"));
}

TEST(DiagnoseDuplicateManager, DifferentProgramsAreNotDuplicates) {
  const Diagnosis d =
      run(in_use(backend(1300, systemd("connexa-backend.service")),
                 held_by({holder(991, "/usr/sbin/nginx", "/usr/sbin/nginx", supervisor("web", "nginx"))})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
}

// ---------------------------------------------------------------- how the holder was detached

// `python3 -m http.server 8005 &` from a shell that still runs (no manager, or the
// login session's scope), or detached with setsid from a shell that exited
// (orphaned): the same verdict and the same first remedy.
TEST(DiagnoseStaleInstance, TheAnswerDoesNotDependOnHowTheHolderWasDetached) {
  const std::string cmd = "/usr/bin/python3 -m http.server 8005";
  struct Sides {
    std::optional<Service> holder, failing;
  };
  const Service session = systemd("session-3.scope", "session", 1000);
  const std::vector<Sides> detached = {{std::nullopt, std::nullopt},
                                       {managed(ManagerKind::none, ""), managed(ManagerKind::none, "")},
                                       {session, session},
                                       {orphan(4000), std::nullopt}};
  for (const Sides& how : detached) {
    const Event e = in_use(process(4100, cmd, kPythonExe, how.failing, "/home/dev"),
                           held_by({holder(4000, cmd, kPythonExe, how.holder, "/home/dev")}, 8005), 8005);
    const Diagnosis d = run(e);
    EXPECT_EQ(d.code, DiagnosisCode::stale_instance) << d.summary;
    EXPECT_TRUE(
        d.summary.starts_with("an earlier instance of the same program (python3 -m http.server, pid 4000) "
                              "still holds 0.0.0.0:8005"))
        << d.summary;
    EXPECT_TRUE(d.summary.ends_with("; identity: exe /usr/bin/python3.12 and argv match (cwd /home/dev too)"))
        << d.summary;
    ASSERT_FALSE(d.remedies.empty());
    EXPECT_EQ(d.remedies.front(), "kill -TERM 4000  # then retry");
  }
}

// ---------------------------------------------------------------- identity evidence

TEST(DiagnoseDuplicateManager, SameModuleInOtherWorkingDirectoriesUnderTwoManagers) {
  const std::string cmd = "/usr/bin/python3 -m http.server 8001";
  const Diagnosis d =
      run(in_use(process(9222, cmd, "/usr/bin/python3.11", systemd("connexa-backend.service"), "/srv/x"),
                 held_by({holder(9216, cmd, "/usr/bin/python3.11", supervisor("backend", "backend"),
                                 "/etc/supervisor")})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  EXPECT_EQ(
      d.summary,
      "python3 -m http.server runs twice: pid 9216 under supervisor program backend:backend (inside "
      "supervisor.service) holds 0.0.0.0:8001, and pid 9222 was started by systemd unit "
      "connexa-backend.service; identity: exe /usr/bin/python3.11 and argv match; cwd /etc/supervisor vs "
      "/srv/x does not matter (no relative path in argv)");
  ASSERT_GE(d.remedies.size(), 2u);
  EXPECT_TRUE(d.remedies[0].starts_with("systemctl disable --now connexa-backend.service")) << d.remedies[0];
  EXPECT_TRUE(d.remedies[1].starts_with("supervisorctl stop backend:backend")) << d.remedies[1];
}

TEST(DiagnoseForeignService, RelativeScriptNamingAnotherFileIsAnotherProgram) {
  const Diagnosis d = run(in_use(process(5, "python3 app.py", kPythonExe, std::nullopt, "/srv/b"),
                                 held_by({holder(6, "python3 app.py", kPythonExe, orphan(6), "/srv/a")})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_EQ(d.summary,
            "port 8001 is held by app.py (pid 6, ad hoc pid 6, orphaned); not the same program: app.py is "
            "/srv/a/app.py for pid 6 but /srv/b/app.py for pid 5");
}

TEST(DiagnoseForeignService, SameNameAnotherExecutableSaysSo) {
  const Diagnosis d = run(in_use(process(5, "server --port 8001", "/opt/b/server", {}),
                                 held_by({holder(6, "server --port 8001", "/opt/a/server", {})})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_TRUE(d.summary.ends_with("; not the same program: exe /opt/a/server vs /opt/b/server")) << d.summary;
}

// ---------------------------------------------------------------- second_instance

TEST(DiagnoseSecondInstance, NginxByHandWithAnotherConfigWhileTheUnitRuns) {
  Event e = in_use(process(1300, "nginx -c b.conf", "/usr/sbin/nginx", std::nullopt, "/home/dev/site"),
                   held_by({holder(812, "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf",
                                   "/usr/sbin/nginx", systemd("nginx.service"))},
                           8080),
                   8080);
  e.alternatives = {8081};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_EQ(
      d.summary,
      "a second instance of nginx with another configuration (pid 1300, started by hand) wants "
      "0.0.0.0:8080, which nginx (pid 812, systemd unit nginx.service) already holds; identity: same exe "
      "/usr/sbin/nginx, config differs: -c /etc/nginx/nginx.conf for pid 812, -c b.conf "
      "(/home/dev/site/b.conf) for pid 1300");
  ASSERT_EQ(d.remedies.size(), 2u) << all(d);
  EXPECT_EQ(d.remedies[0],
            "systemctl reload nginx.service  # use the running instance (pid 812): move what "
            "/home/dev/site/b.conf serves into its configuration, then reload it");
  EXPECT_EQ(
      d.remedies[1],
      "or move the second instance to another port: change the port in /home/dev/site/b.conf (port 8081 "
      "is free)");
}

TEST(DiagnoseSecondInstance, NginxHolderWithoutAManagerIsReloadedWithItsOwnConfig) {
  const Diagnosis d = run(in_use(process(1300, "nginx -c b.conf", "/usr/sbin/nginx", std::nullopt, "/srv/b"),
                                 held_by({holder(900, "nginx: master process nginx -c a.conf",
                                                 "/usr/sbin/nginx", orphan(900), "/srv/a")})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  ASSERT_FALSE(d.remedies.empty());
  EXPECT_TRUE(
      d.remedies[0].starts_with("nginx -c /srv/a/a.conf -s reload  # use the running instance (pid 900)"))
      << d.remedies[0];
}

TEST(DiagnoseSecondInstance, RedisWithAnotherConfigFile) {
  const Diagnosis d = run(in_use(
      process(1500, "/usr/bin/redis-server /etc/redis/other.conf", "/usr/bin/redis-server", std::nullopt),
      held_by({holder(700, "/usr/bin/redis-server /etc/redis/redis.conf", "/usr/bin/redis-server",
                      systemd("redis-server.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_TRUE(
      d.summary.ends_with("config differs: /etc/redis/redis.conf for pid 700, /etc/redis/other.conf for "
                          "pid 1500"))
      << d.summary;
  EXPECT_TRUE(d.remedies[0].starts_with("systemctl reload redis-server.service  #")) << d.remedies[0];
  EXPECT_EQ(d.remedies[1],
            "or move the second instance to another port: change the port in /etc/redis/other.conf");
}

// A data directory is configuration but not a file to edit the port in.
TEST(DiagnoseSecondInstance, PostgresWithAnotherDataDirectoryUnderItsOwnUnit) {
  const std::string postgres = "/usr/lib/postgresql/16/bin/postgres";
  const Diagnosis d = run(in_use(process(1500, postgres + " -D /srv/pg2", postgres, systemd("pg2.service")),
                                 held_by({holder(1102, postgres + " -D /var/lib/postgresql/16/main", postgres,
                                                 systemd("postgresql@16-main.service"))},
                                         5432),
                                 5432));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_TRUE(
      d.summary.ends_with("; identity: same exe /usr/lib/postgresql/16/bin/postgres, config differs: -D "
                          "/var/lib/postgresql/16/main for pid 1102, -D /srv/pg2 for pid 1500"))
      << d.summary;
  EXPECT_TRUE(contains(d.summary, "(pid 1500, started by systemd unit pg2.service)")) << d.summary;
  ASSERT_EQ(d.remedies.size(), 3u) << all(d);
  EXPECT_EQ(
      d.remedies[0],
      "systemctl reload postgresql@16-main.service  # use the running instance (pid 1102): move what it "
      "should serve into its configuration, then reload it");
  EXPECT_EQ(d.remedies[1], "or move the second instance to another port");
  EXPECT_EQ(d.remedies[2], "systemctl disable --now pg2.service  # or do not run it beside pid 1102");
}

TEST(DiagnoseSecondInstance, ModuleWithAnotherDirectoryOptionAndAnUnmanagedHolder) {
  const Diagnosis d = run(in_use(
      process(701, "/usr/bin/python3 -m http.server --directory b 8001", kPythonExe, std::nullopt, "/srv"),
      held_by({holder(700, "/usr/bin/python3 -m http.server --directory /srv/a 8001", kPythonExe,
                      orphan(700))})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_TRUE(
      d.summary.ends_with("config differs: --directory /srv/a for pid 700, --directory b (/srv/b) for pid "
                          "701"))
      << d.summary;
  EXPECT_EQ(d.remedies[0], "kill -TERM 700  # if the first instance is no longer needed");
}

TEST(DiagnoseSecondInstance, OtherArgumentsAreNamedAsArgv) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/bin/api --port 8001 --debug", "/usr/bin/api", std::nullopt),
                 held_by({holder(6, "/usr/bin/api --port 8001", "/usr/bin/api", systemd("api.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  EXPECT_TRUE(d.summary.ends_with(
      "; identity: same exe /usr/bin/api, argv differs: nothing for pid 6, --debug for pid 5"))
      << d.summary;
}

TEST(DiagnoseSecondInstance, AConfigFileNameFromTheProcessIsQuoted) {
  const Diagnosis d =
      run(in_use(process(5, "nginx -c x*!.conf", "/usr/sbin/nginx", std::nullopt, "/srv"),
                 held_by({holder(6, "/usr/sbin/nginx", "/usr/sbin/nginx", systemd("nginx.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::second_instance);
  ASSERT_EQ(d.remedies.size(), 2u) << all(d);
  EXPECT_EQ(d.remedies[1], "or move the second instance to another port: change the port in '/srv/x*!.conf'");
  EXPECT_TRUE(d.summary.ends_with("config differs: no -c for pid 6, -c x*!.conf (/srv/x*!.conf) for pid 5"))
      << d.summary;
}

TEST(DiagnoseSecondInstance, SameConfigurationIsNotASecondInstance) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/sbin/nginx -c /etc/nginx/nginx.conf", "/usr/sbin/nginx", std::nullopt),
                 held_by({holder(6, "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf",
                                 "/usr/sbin/nginx", systemd("nginx.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
}

TEST(DiagnoseSecondInstance, AnotherExecutableIsNotASecondInstance) {
  const Diagnosis d =
      run(in_use(process(5, "/opt/nginx/sbin/nginx -c b.conf", "/opt/nginx/sbin/nginx", std::nullopt, "/srv"),
                 held_by({holder(6, "/usr/sbin/nginx -c a.conf", "/usr/sbin/nginx", systemd("nginx.service"),
                                 "/srv")})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
}

}  // namespace
}  // namespace bindtrace
