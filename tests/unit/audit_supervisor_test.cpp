// supervisord configuration read for its programs' ports.
#include <gtest/gtest.h>

#include "bindtrace/audit/supervisor_conf.hpp"

namespace bindtrace {
namespace {

TEST(AuditSupervisor, ProgramsCommandEnvironmentAndAutostart) {
  const auto r = parse_supervisor_conf(
      "[supervisord]\nlogfile=/tmp/x\n\n[program:docs]\ncommand=python3 -m http.server 8001 ; preview\n"
      "environment=A=\"1,2\",PORT=\"8002\"\n\n[program:old]\ncommand=gunicorn -b :9000 "
      "app:app\nautostart=false\n"
      "; command=python3 -m http.server 7000\n\n[include]\nfiles = conf.d/*.conf /etc/extra/*.ini\n",
      "/etc/supervisor/supervisord.conf");
  ASSERT_EQ(r.declarations.size(), 4u);
  EXPECT_EQ(r.declarations[0].name, "docs");
  EXPECT_EQ(r.declarations[0].manager, ManagerKind::supervisor);
  EXPECT_EQ(r.declarations[0].port, 8001);
  EXPECT_EQ(r.declarations[0].line, 5u);
  EXPECT_EQ(r.declarations[0].program, "python3 -m http.server 8001");
  EXPECT_EQ(r.declarations[0].enabled, std::optional<bool>(true));
  EXPECT_EQ(r.declarations[1].source, "environment PORT");
  EXPECT_EQ(r.declarations[1].port, 8002);
  EXPECT_EQ(r.declarations[1].line, 6u);
  EXPECT_EQ(r.declarations[2].name, "old");
  EXPECT_EQ(r.declarations[2].port, 9000);
  EXPECT_EQ(r.declarations[2].enabled, std::optional<bool>(false));
  EXPECT_EQ(r.declarations[3].port, 7000);
  EXPECT_TRUE(r.declarations[3].commented);
  EXPECT_EQ(r.includes, (std::vector<std::string>{"conf.d/*.conf", "/etc/extra/*.ini"}));
}

}  // namespace
}  // namespace bindtrace
