// Quadlets, compose files, .env files and postgresql.conf read for their ports.
#include <gtest/gtest.h>

#include "bindtrace/audit/compose_file.hpp"
#include "bindtrace/audit/quadlet.hpp"
#include "bindtrace/audit/service_conf.hpp"

namespace bindtrace {
namespace {

TEST(AuditQuadlet, PublishPortAndInstall) {
  const auto ds = parse_quadlet(
      "[Container]\nImage=docker.io/qdrant/qdrant\nPublishPort=6333:6333\nPublishPort=127.0.0.1:6334:6334/"
      "udp\n"
      "PublishPort=80\n#PublishPort=7000:7000\n[Install]\nWantedBy=default.target\n",
      "q.container", "q.container");
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds[0].port, 6333);
  EXPECT_EQ(ds[0].line, 3u);
  EXPECT_EQ(ds[0].manager, ManagerKind::podman);
  EXPECT_TRUE(ds[0].published);
  EXPECT_EQ(ds[0].enabled, std::optional<bool>(true));
  EXPECT_EQ(ds[0].program, "docker.io/qdrant/qdrant");
  EXPECT_EQ(ds[1].address, "127.0.0.1");
  EXPECT_EQ(ds[1].proto, Proto::udp);
  EXPECT_TRUE(ds[2].commented);
  EXPECT_EQ(parse_quadlet("[Container]\nPublishPort=1:1\n", "q", "q")[0].enabled, std::nullopt);
}

TEST(AuditCompose, ShortAndLongSyntaxWithLines) {
  const auto r = parse_compose_file(
      "services:\n  db:\n    image: postgres\n    restart: always\n    ports:\n      - \"5432:5432\"\n"
      "      - 127.0.0.1:8000-8001:8000-8001/udp\n      - \"9000\"\n  web:\n    ports:\n"
      "      - target: 80\n        published: \"8080\"\n        host_ip: 0.0.0.0\n        protocol: tcp\n",
      "compose.yaml");
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.declarations.size(), 4u);
  EXPECT_EQ(r.declarations[0].name, "db");
  EXPECT_EQ(r.declarations[0].port, 5432);
  EXPECT_EQ(r.declarations[0].line, 6u);
  EXPECT_EQ(r.declarations[0].enabled, std::optional<bool>(true));
  EXPECT_EQ(r.declarations[0].manager, ManagerKind::docker);
  EXPECT_TRUE(r.declarations[0].published);
  EXPECT_EQ(r.declarations[1].port, 8000);
  EXPECT_EQ(r.declarations[2].port, 8001);
  EXPECT_EQ(r.declarations[2].proto, Proto::udp);
  EXPECT_EQ(r.declarations[2].address, "127.0.0.1");
  EXPECT_EQ(r.declarations[3].name, "web");
  EXPECT_EQ(r.declarations[3].port, 8080);
  EXPECT_EQ(r.declarations[3].address, "0.0.0.0");
  EXPECT_EQ(r.declarations[3].line, 11u);
  EXPECT_EQ(r.declarations[3].enabled, std::nullopt);
}

TEST(AuditCompose, InvalidYamlIsAnErrorWithItsLine) {
  const auto r = parse_compose_file("services:\n  db:\n    ports: [\"1:1\"\n", "c.yaml");
  EXPECT_TRUE(r.declarations.empty());
  EXPECT_EQ(r.error.rfind("not valid YAML: line ", 0), 0u) << r.error;
}

TEST(AuditServiceConf, EnvFile) {
  const auto ds = parse_env_file(
      "# dev\nexport PORT=8000\nDB_PORT=\"5432\"\nNAME=x\n# PORT=8001\nPORT_NAME=abc\n", "/p/.env", ".env");
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds[0].port, 8000);
  EXPECT_EQ(ds[0].line, 2u);
  EXPECT_EQ(ds[0].source, "PORT");
  EXPECT_EQ(ds[1].port, 5432);
  EXPECT_EQ(ds[2].port, 8001);
  EXPECT_TRUE(ds[2].commented);
}

TEST(AuditServiceConf, PostgresqlConf) {
  auto ds = parse_postgresql_conf("listen_addresses = '*'\nport = 5433\t\t# restart\n", "pg.conf",
                                  "postgresql 15/main");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].port, 5433);
  EXPECT_EQ(ds[0].address, "");
  EXPECT_EQ(ds[0].line, 2u);
  ds = parse_postgresql_conf("#port = 5432\n", "pg.conf", "pg");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_TRUE(ds[0].commented);
  EXPECT_EQ(ds[0].address, "127.0.0.1");
}

}  // namespace
}  // namespace bindtrace
