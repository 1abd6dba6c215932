// `bindtrace audit` on the command line.
#include <gtest/gtest.h>

#include "bindtrace/cli.hpp"
#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

TEST(AuditCliParse, RootJsonAndPathsInOrder) {
  const CliRequest req = parse_cli({"audit", "--root", "/srv/copy", "--json", "a/.env", "compose.yaml"});
  EXPECT_EQ(req.command, Command::audit);
  EXPECT_EQ(req.audit.root, "/srv/copy");
  EXPECT_TRUE(req.json);
  EXPECT_EQ(req.audit.paths, (std::vector<std::string>{"a/.env", "compose.yaml"}));
}

TEST(AuditCliParse, DefaultsToTheHost) {
  const CliRequest req = parse_cli({"audit"});
  EXPECT_EQ(req.audit.root, "/");
  EXPECT_TRUE(req.audit.paths.empty());
}

TEST(AuditCliParse, UsersRepeatAndLiveIsThreeWay) {
  const CliRequest req = parse_cli({"audit", "--user", "alice", "--user", "bob", "--no-live", "x.env"});
  EXPECT_EQ(req.audit.users, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(req.audit.live, std::optional<bool>(false));
  EXPECT_EQ(req.audit.paths, (std::vector<std::string>{"x.env"}));
  EXPECT_EQ(parse_cli({"audit", "--live"}).audit.live, std::optional<bool>(true));
  EXPECT_FALSE(parse_cli({"audit"}).audit.live.has_value());
  EXPECT_THROW((void)parse_cli({"audit", "--live", "--no-live"}), UsageError);
  EXPECT_THROW((void)parse_cli({"audit", "--user", ""}), UsageError);
}

TEST(AuditCliParse, EmptyRootIsAUsageError) {
  EXPECT_THROW((void)parse_cli({"audit", "--root", ""}), UsageError);
}

}  // namespace
}  // namespace bindtrace
