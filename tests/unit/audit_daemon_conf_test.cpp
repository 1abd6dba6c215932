// nginx and redis configuration read for their ports.
#include <gtest/gtest.h>

#include "bindtrace/audit/daemon_conf.hpp"

namespace bindtrace {
namespace {

TEST(AuditNginx, ListenDirectivesAndIncludes) {
  const auto r = parse_nginx_conf(
      "http {\n  include sites/*.conf;\n  server { listen 80; listen [::]:443 ssl;\n"
      "    listen 127.0.0.1:8080\n      default_server;\n    listen unix:/run/x.sock;\n"
      "    # listen 9000;\n    listen 443 quic reuseport; # http/3\n  }\n}\n",
      "/etc/nginx/nginx.conf");
  ASSERT_EQ(r.declarations.size(), 5u);
  EXPECT_EQ(r.declarations[0].port, 80);
  EXPECT_EQ(r.declarations[0].line, 3u);
  EXPECT_EQ(r.declarations[0].name, "nginx");
  EXPECT_EQ(r.declarations[1].address, "::");
  EXPECT_EQ(r.declarations[1].port, 443);
  EXPECT_EQ(r.declarations[2].address, "127.0.0.1");
  EXPECT_EQ(r.declarations[2].line, 4u);
  EXPECT_EQ(r.declarations[3].port, 9000);
  EXPECT_TRUE(r.declarations[3].commented);
  EXPECT_EQ(r.declarations[4].proto, Proto::udp);
  EXPECT_EQ(r.includes, std::vector<std::string>{"sites/*.conf"});
}

TEST(AuditRedis, PortOncePerBindAddress) {
  const auto ds =
      parse_redis_conf("# bind 0.0.0.0\nbind 127.0.0.1 -::1\nport 6380\n", "/etc/redis/redis.conf");
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].port, 6380);
  EXPECT_EQ(ds[0].line, 3u);
  EXPECT_EQ(ds[0].address, "127.0.0.1");
  EXPECT_EQ(ds[1].address, "::1");
  EXPECT_TRUE(parse_redis_conf("port 0\n", "r").empty());
  EXPECT_EQ(parse_redis_conf("port 6379\n", "r")[0].address, "");
}

}  // namespace
}  // namespace bindtrace
