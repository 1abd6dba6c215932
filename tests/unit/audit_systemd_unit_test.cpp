// systemd units and drop-ins read for their ports.
#include <gtest/gtest.h>

#include "bindtrace/audit/systemd_unit.hpp"

namespace bindtrace {
namespace {

TEST(AuditSystemdUnit, SocketListenersWithLineNumbers) {
  const auto r = parse_systemd_unit(
      "[Unit]\nDescription=x\n\n[Socket]\nListenStream=8080\nListenDatagram=127.0.0.1:5353\n"
      "ListenStream=/run/x.sock\n#ListenStream=9090\n\n[Install]\nWantedBy=sockets.target\n",
      "/etc/systemd/system/x.socket", "x.socket");
  ASSERT_EQ(r.declarations.size(), 3u);
  EXPECT_EQ(r.declarations[0].port, 8080);
  EXPECT_EQ(r.declarations[0].address, "::");
  EXPECT_EQ(r.declarations[0].line, 5u);
  EXPECT_EQ(r.declarations[0].source, "ListenStream");
  EXPECT_EQ(r.declarations[0].manager, ManagerKind::systemd);
  EXPECT_EQ(r.declarations[0].name, "x.socket");
  EXPECT_EQ(r.declarations[1].proto, Proto::udp);
  EXPECT_EQ(r.declarations[1].address, "127.0.0.1");
  EXPECT_EQ(r.declarations[1].port, 5353);
  EXPECT_EQ(r.declarations[2].port, 9090);
  EXPECT_TRUE(r.declarations[2].commented);
  EXPECT_FALSE(r.declarations[0].commented);
  EXPECT_TRUE(r.has_install);
}

TEST(AuditSystemdUnit, EnvironmentExecStartAndContinuations) {
  const auto r = parse_systemd_unit(
      "[Service]\nEnvironment=\"APP_ENV=prod\" HTTP_PORT=8000 "
      "\"OTHER=1\"\nEnvironmentFile=-/etc/default/app\n"
      "ExecStart=/usr/bin/uvicorn app:app \\\n  --host 127.0.0.1 \\\n  --port 8001\n",
      "/etc/systemd/system/app.service", "app.service");
  ASSERT_EQ(r.declarations.size(), 2u);
  EXPECT_EQ(r.declarations[0].source, "Environment HTTP_PORT");
  EXPECT_EQ(r.declarations[0].port, 8000);
  EXPECT_EQ(r.declarations[0].line, 2u);
  EXPECT_EQ(r.declarations[1].source, "ExecStart");
  EXPECT_EQ(r.declarations[1].port, 8001);
  EXPECT_EQ(r.declarations[1].address, "127.0.0.1");
  EXPECT_EQ(r.declarations[1].line, 4u);
  EXPECT_EQ(r.declarations[1].program, "uvicorn app:app --host 127.0.0.1 --port 8001");
  EXPECT_EQ(r.environment_files, std::vector<std::string>{"/etc/default/app"});
  EXPECT_FALSE(r.has_install);
}

TEST(AuditSystemdUnit, IgnoresOtherSectionsAndProse) {
  const auto r = parse_systemd_unit(
      "[Unit]\nDescription=listens on 8080\n# see port=80 in docs\n[Service]\nType=simple\n", "u.service",
      "u.service");
  EXPECT_TRUE(r.declarations.empty());
}

}  // namespace
}  // namespace bindtrace
