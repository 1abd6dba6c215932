// The fixture roots: each incident found with its code and both declarations.
#include <gtest/gtest.h>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/tree_walker.hpp"
#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

std::string fixture(const std::string& name) {
  return std::string(BINDTRACE_FIXTURES_DIR) + "/audit/" + name;
}

struct Audit {
  AuditInput input;
  std::vector<AuditConflict> conflicts;
};

Audit audit(const std::string& root, const std::vector<std::string>& paths = {}) {
  Audit a{read_definitions(fixture(root), paths), {}};
  a.conflicts = find_conflicts(a.input.declarations);
  return a;
}

TEST(AuditTree, UserDefinitionsSayWhoseTheyAreAndUserLimitsThem) {
  auto user_declarations = [](const AuditInput& input) {
    std::vector<PortDeclaration> out;
    for (const PortDeclaration& d : input.declarations)
      if (d.scope == AuditScope::user) out.push_back(d);
    return out;
  };
  // The fixture's /etc/passwd names alice's home.
  const std::vector<PortDeclaration> all = user_declarations(read_definitions(fixture("system_vs_user"), {}));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].user, "alice");
  EXPECT_EQ(all[0].name, "qdrant.container");
  const AuditInput only_alice = read_definitions(fixture("system_vs_user"), {}, {"alice"});
  EXPECT_EQ(user_declarations(only_alice).size(), 1u);
  // Nobody named bob, and this copy has no /root: asked for, they are errors.
  EXPECT_THROW((void)read_definitions(fixture("system_vs_user"), {}, {"bob"}), UsageError);
  EXPECT_THROW((void)read_definitions(fixture("system_vs_user"), {}, {"root"}), UsageError);
}

TEST(AuditTree, SystemdUnitAndSupervisorProgramRunTheSameServer) {
  const Audit a = audit("duplicate_manager");
  ASSERT_EQ(a.conflicts.size(), 1u);
  const AuditConflict& c = a.conflicts[0];
  EXPECT_EQ(c.port, 8001);
  EXPECT_EQ(c.code, DiagnosisCode::duplicate_manager);
  ASSERT_EQ(c.declarations.size(), 2u);
  EXPECT_EQ(c.declarations[0].file, "/etc/systemd/system/docs-preview.service");
  EXPECT_EQ(c.declarations[0].line, 6u);
  EXPECT_EQ(c.declarations[0].enabled, std::optional<bool>(true));
  EXPECT_EQ(c.declarations[1].file, "/etc/supervisor/conf.d/docs.conf");
  EXPECT_EQ(c.declarations[1].line, 2u);
  EXPECT_EQ(c.declarations[1].name, "docs");
  EXPECT_NE(std::find(c.remedies.begin(), c.remedies.end(), "systemctl disable --now docs-preview.service"),
            c.remedies.end());
  EXPECT_TRUE(a.input.unreadable.empty());
}

TEST(AuditTree, SystemUnitAndUserQuadlet) {
  const Audit a = audit("system_vs_user");
  ASSERT_EQ(a.conflicts.size(), 1u);
  EXPECT_EQ(a.conflicts[0].port, 6333);
  EXPECT_EQ(a.conflicts[0].code, DiagnosisCode::system_vs_user);
  ASSERT_EQ(a.conflicts[0].declarations.size(), 2u);
  EXPECT_EQ(a.conflicts[0].declarations[0].name, "qdrant.service");
  EXPECT_EQ(a.conflicts[0].declarations[1].file, "/home/alice/.config/containers/systemd/qdrant.container");
  EXPECT_EQ(a.conflicts[0].declarations[1].scope, AuditScope::user);
}

TEST(AuditTree, PostgresqlAndComposePublish) {
  const Audit a = audit("container_port");
  ASSERT_EQ(a.conflicts.size(), 1u);
  EXPECT_EQ(a.conflicts[0].port, 5432);
  EXPECT_EQ(a.conflicts[0].code, DiagnosisCode::container_port);
  ASSERT_EQ(a.conflicts[0].declarations.size(), 2u);
  EXPECT_EQ(a.conflicts[0].declarations[0].file, "/etc/postgresql/15/main/postgresql.conf");
  EXPECT_EQ(a.conflicts[0].declarations[0].line, 4u);
  EXPECT_EQ(a.conflicts[0].declarations[1].file, "/srv/app/compose.yaml");
  EXPECT_EQ(a.conflicts[0].declarations[1].line, 6u);
}

TEST(AuditTree, EnvFileNamedOnTheCommandLine) {
  const std::string env = fixture("env_file") + "/project/.env";
  const Audit a = audit("env_file", {env});
  ASSERT_EQ(a.conflicts.size(), 1u);
  EXPECT_EQ(a.conflicts[0].port, 8000);
  EXPECT_EQ(a.conflicts[0].code, DiagnosisCode::foreign_service);
  ASSERT_EQ(a.conflicts[0].declarations.size(), 2u);
  EXPECT_EQ(a.conflicts[0].declarations[0].name, "api.service");
  EXPECT_EQ(a.conflicts[0].declarations[1].file, env);
  EXPECT_EQ(a.conflicts[0].declarations[1].line, 3u);
  // The commented PORT=8001 is listed, not counted.
  EXPECT_EQ(a.input.declarations.back().port, 8001);
  EXPECT_TRUE(a.input.declarations.back().commented);
}

TEST(AuditTree, CleanTreeHasNone) {
  const Audit a = audit("clean");
  EXPECT_TRUE(a.conflicts.empty());
  EXPECT_EQ(a.input.declarations.size(), 11u);
}

TEST(AuditTree, BadInputIsAUsageError) {
  EXPECT_THROW((void)read_definitions(fixture("no-such-root"), {}), UsageError);
  EXPECT_THROW((void)read_definitions(fixture("clean"), {fixture("clean/nope")}), UsageError);
  EXPECT_THROW((void)read_definitions(fixture("clean"), {fixture("clean/etc/hostname")}), UsageError);
}

}  // namespace
}  // namespace bindtrace
