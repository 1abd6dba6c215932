// The audit's conflict rules and codes.
#include <gtest/gtest.h>

#include "bindtrace/audit/conflicts.hpp"

namespace bindtrace {
namespace {

PortDeclaration decl(ManagerKind manager, std::string name, std::string address, std::uint16_t port,
                     std::optional<bool> enabled = true) {
  PortDeclaration d;
  d.file = "/etc/" + name;
  d.line = 3;
  d.manager = manager;
  d.name = std::move(name);
  d.address = std::move(address);
  d.port = port;
  d.enabled = enabled;
  return d;
}

TEST(AuditConflicts, AddressOverlap) {
  EXPECT_TRUE(addresses_overlap("", "127.0.0.1"));
  EXPECT_TRUE(addresses_overlap("0.0.0.0", "127.0.0.1"));
  EXPECT_TRUE(addresses_overlap("::", "127.0.0.1"));
  EXPECT_TRUE(addresses_overlap("::", "0.0.0.0"));
  EXPECT_TRUE(addresses_overlap("10.0.0.1", "10.0.0.1"));
  EXPECT_FALSE(addresses_overlap("10.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(addresses_overlap("0.0.0.0", "::1"));
  EXPECT_FALSE(addresses_overlap("127.0.0.1", "::1"));
}

TEST(AuditConflicts, DisabledCommentedAndDistinctAddressesAreNotConflicts) {
  std::vector<PortDeclaration> ds = {decl(ManagerKind::systemd, "a.service", "127.0.0.1", 9000),
                                     decl(ManagerKind::systemd, "b.service", "0.0.0.0", 9000, false),
                                     decl(ManagerKind::systemd, "c.service", "10.0.0.1", 9000),
                                     decl(ManagerKind::supervisor, "d", "", 9000)};
  ds[3].commented = true;
  EXPECT_TRUE(find_conflicts(ds).empty());
}

TEST(AuditConflicts, OneServiceSaidTwiceIsNotAConflict) {
  const std::vector<PortDeclaration> ds = {decl(ManagerKind::systemd, "web.socket", "::", 80),
                                           decl(ManagerKind::systemd, "web.service", "", 80)};
  EXPECT_TRUE(find_conflicts(ds).empty());
}

TEST(AuditConflicts, UnknownEnabledStateCounts) {
  const std::vector<PortDeclaration> ds = {decl(ManagerKind::systemd, "a.service", "", 8000, std::nullopt),
                                           decl(ManagerKind::none, ".env", "", 8000, std::nullopt)};
  const auto cs = find_conflicts(ds);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].code, DiagnosisCode::foreign_service);
  EXPECT_EQ(cs[0].port, 8000);
  EXPECT_EQ(cs[0].declarations.size(), 2u);
  EXPECT_EQ(cs[0].remedies, (std::vector<std::string>{"change the port at /etc/a.service:3",
                                                      "systemctl disable --now a.service",
                                                      "change the port at /etc/.env:3"}));
}

TEST(AuditConflicts, Codes) {
  auto unit = decl(ManagerKind::systemd, "docs.service", "", 8001);
  auto program = decl(ManagerKind::supervisor, "docs", "", 8001);
  unit.program = program.program = "python3 -m http.server 8001";
  EXPECT_EQ(conflict_code(unit, program), DiagnosisCode::duplicate_manager);

  auto quadlet = decl(ManagerKind::podman, "qdrant.container", "", 6333);
  quadlet.scope = AuditScope::user;
  quadlet.published = true;
  EXPECT_EQ(conflict_code(decl(ManagerKind::systemd, "qdrant.service", "", 6333), quadlet),
            DiagnosisCode::system_vs_user);

  auto compose = decl(ManagerKind::docker, "db", "", 5432);
  compose.published = true;
  EXPECT_EQ(conflict_code(decl(ManagerKind::none, "postgresql 15/main", "127.0.0.1", 5432), compose),
            DiagnosisCode::container_port);
  EXPECT_EQ(conflict_code(decl(ManagerKind::systemd, "a.service", "", 1),
                          decl(ManagerKind::systemd, "b.service", "", 1)),
            DiagnosisCode::foreign_service);
}

TEST(AuditConflicts, WidestAddressAndStopRemedies) {
  auto user_unit = decl(ManagerKind::systemd, "api.service", "127.0.0.1", 8080);
  user_unit.scope = AuditScope::user;
  const std::vector<PortDeclaration> ds = {user_unit, decl(ManagerKind::supervisor, "api", "::", 8080)};
  const auto cs = find_conflicts(ds);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].address, "::");
  EXPECT_EQ(cs[0].remedies[1], "systemctl --user disable --now api.service");
  EXPECT_EQ(cs[0].remedies[3], "supervisorctl stop api (and set autostart=false in /etc/api)");
}

}  // namespace
}  // namespace bindtrace
