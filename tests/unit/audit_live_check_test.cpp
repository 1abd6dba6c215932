// The audit's live check: which declaration a listener runs, and the
// listeners no declaration explains becoming claimants of their own.
#include <gtest/gtest.h>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/live_check.hpp"

namespace bindtrace {
namespace {

PortDeclaration decl(ManagerKind manager, std::string name, std::uint16_t port, std::string program = "",
                     AuditScope scope = AuditScope::system) {
  PortDeclaration d;
  d.file = "/etc/" + name;
  d.line = 4;
  d.manager = manager;
  d.name = std::move(name);
  d.port = port;
  d.program = std::move(program);
  d.scope = scope;
  d.enabled = true;
  return d;
}

Service service(ManagerKind manager, std::string unit = "", std::string scope = "system") {
  Service s;
  s.manager = manager;
  s.unit = std::move(unit);
  s.scope = std::move(scope);
  return s;
}

LiveListener listener(std::uint16_t port, std::uint32_t pid, std::string cmdline, std::optional<Service> s,
                      std::string address = "0.0.0.0") {
  LiveListener l;
  l.address = std::move(address);
  l.port = port;
  l.pid = pid;
  l.cmdline = std::move(cmdline);
  l.comm = l.cmdline.substr(0, l.cmdline.find(' '));
  l.service = std::move(s);
  return l;
}

TEST(AuditLiveCheck, AUnitRunsItsServiceItsSocketAndTheContainerItWraps) {
  const PortDeclaration unit = decl(ManagerKind::systemd, "web.socket", 8080);
  EXPECT_TRUE(runs_declaration(unit, listener(8080, 10, "gunicorn app", service(ManagerKind::systemd, "web.service"))));
  Service activated = service(ManagerKind::systemd, "init.scope");
  activated.socket_unit = "web.socket";
  EXPECT_TRUE(runs_declaration(unit, listener(8080, 1, "systemd", activated)));
  EXPECT_FALSE(runs_declaration(unit, listener(8080, 10, "gunicorn app", service(ManagerKind::systemd, "api.service"))));
  EXPECT_FALSE(runs_declaration(unit, listener(8081, 10, "gunicorn app", service(ManagerKind::systemd, "web.service"))));

  Service forwarder = service(ManagerKind::podman, "", "user");
  forwarder.outer = "qdrant.service";
  forwarder.forwarder = true;
  const PortDeclaration quadlet = decl(ManagerKind::podman, "qdrant.container", 6333, "", AuditScope::user);
  EXPECT_TRUE(runs_declaration(quadlet, listener(6333, 20, "rootlessport", forwarder)));
  // The same unit name on the other side (system vs user) is another unit.
  EXPECT_FALSE(runs_declaration(decl(ManagerKind::podman, "qdrant.container", 6333),
                                listener(6333, 20, "rootlessport", forwarder)));
}

TEST(AuditLiveCheck, SupervisorByProgramOrGroupDockerByEngineDaemonsByProgram) {
  Service program = service(ManagerKind::supervisor);
  program.program = "docs";
  program.group = "site";
  EXPECT_TRUE(runs_declaration(decl(ManagerKind::supervisor, "docs", 8001), listener(8001, 30, "python3", program)));
  EXPECT_TRUE(runs_declaration(decl(ManagerKind::supervisor, "site", 8001), listener(8001, 30, "python3", program)));
  EXPECT_FALSE(runs_declaration(decl(ManagerKind::supervisor, "api", 8001), listener(8001, 30, "python3", program)));

  EXPECT_TRUE(runs_declaration(decl(ManagerKind::docker, "db", 5432),
                               listener(5432, 40, "docker-proxy -host-port 5432", service(ManagerKind::docker))));
  EXPECT_FALSE(runs_declaration(decl(ManagerKind::docker, "db", 5432),
                                listener(5432, 41, "postgres -D /var/lib/pg", service(ManagerKind::systemd, "postgresql.service"))));

  // nginx rewrites its argv: its comm names it.
  LiveListener nginx = listener(80, 50, "nginx: master process /usr/sbin/nginx", service(ManagerKind::systemd, "nginx.service"));
  nginx.comm = "nginx";
  EXPECT_TRUE(runs_declaration(decl(ManagerKind::none, "nginx", 80, "nginx"), nginx));
  EXPECT_FALSE(runs_declaration(decl(ManagerKind::none, "redis", 80, "redis-server"), nginx));
  // A whole command line must match as a whole.
  EXPECT_TRUE(runs_declaration(decl(ManagerKind::none, "x.conf", 8000, "python3 -m http.server 8000"),
                               listener(8000, 60, "/usr/bin/python3 -m http.server 8000", std::nullopt)));
  EXPECT_FALSE(runs_declaration(decl(ManagerKind::none, "x.conf", 8000, "python3 -m http.server 8000"),
                                listener(8000, 60, "python3 manage.py runserver 8000", std::nullopt)));
}

TEST(AuditLiveCheck, AddressesMustOverlap) {
  PortDeclaration local = decl(ManagerKind::systemd, "web.service", 8080);
  local.address = "127.0.0.1";
  EXPECT_FALSE(runs_declaration(local, listener(8080, 10, "x", service(ManagerKind::systemd, "web.service"), "10.1.1.1")));
  EXPECT_TRUE(runs_declaration(local, listener(8080, 10, "x", service(ManagerKind::systemd, "web.service"), "0.0.0.0")));
}

TEST(AuditLiveCheck, JoinMarksRunningAndTurnsUnexplainedHoldersIntoClaimants) {
  std::vector<PortDeclaration> ds = {decl(ManagerKind::systemd, "web.service", 8080),
                                     decl(ManagerKind::supervisor, "docs", 8001, "python3 -m http.server 8001")};
  PortDeclaration commented = decl(ManagerKind::systemd, "old.service", 9000);
  commented.commented = true;
  ds.push_back(commented);
  Service adhoc = service(ManagerKind::adhoc);
  adhoc.name = "pid 77";
  const std::vector<LiveListener> live = {
      listener(8080, 10, "gunicorn app", service(ManagerKind::systemd, "web.service")),
      listener(8001, 77, "python3 -m http.server 8001", adhoc, "0.0.0.0"),
      listener(8001, 77, "python3 -m http.server 8001", adhoc, "::"),  // its IPv6 socket: one claimant
      listener(9000, 88, "other", std::nullopt),                       // only a commented line says 9000
      listener(22, 99, "sshd", std::nullopt)};                         // declared nowhere
  const std::vector<PortDeclaration> extra = join_live(ds, live);
  EXPECT_EQ(ds[0].running_pid, 10);
  EXPECT_FALSE(ds[1].running_pid.has_value());
  EXPECT_FALSE(ds[2].running_pid.has_value());
  ASSERT_EQ(extra.size(), 1u);
  const PortDeclaration& now = extra[0];
  EXPECT_TRUE(is_listening_now(now));
  EXPECT_EQ(now.running_pid, 77);
  EXPECT_EQ(now.port, 8001);
  EXPECT_EQ(now.name, "python3");  // an ad-hoc process by its comm, not "pid 77"
  EXPECT_EQ(now.manager, ManagerKind::adhoc);
  EXPECT_EQ(now.source, "listening now");
  EXPECT_EQ(now.program, "python3 -m http.server 8001");

  // The same program started by hand while supervisor is set to start it.
  ds.push_back(now);
  const std::vector<AuditConflict> conflicts = find_conflicts(ds);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].port, 8001);
  EXPECT_EQ(conflicts[0].code, DiagnosisCode::duplicate_manager);
  ASSERT_EQ(conflicts[0].declarations.size(), 2u);
  const std::vector<std::string> expected = {"change the port at /etc/docs:4",
                                             "supervisorctl stop docs (and set autostart=false in /etc/docs)",
                                             "kill 77 (python3)"};
  EXPECT_EQ(conflicts[0].remedies, expected);
}

TEST(AuditLiveCheck, AUserUnitsRemedyNamesItsUser) {
  PortDeclaration user_unit = decl(ManagerKind::systemd, "api.service", 7000, "", AuditScope::user);
  user_unit.user = "alice";
  const std::vector<PortDeclaration> ds = {user_unit, decl(ManagerKind::systemd, "web.service", 7000)};
  const std::vector<AuditConflict> conflicts = find_conflicts(ds);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].code, DiagnosisCode::system_vs_user);
  EXPECT_NE(std::find(conflicts[0].remedies.begin(), conflicts[0].remedies.end(),
                      "systemctl --user -M alice@ disable --now api.service"),
            conflicts[0].remedies.end());
}

}  // namespace
}  // namespace bindtrace
