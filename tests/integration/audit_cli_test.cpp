// `bindtrace audit` as a user runs it: on the fixture roots, exit codes and
// the JSON report. Needs no privilege: it only reads files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "process.hpp"

namespace bindtrace {
namespace {

using testing::Child;

std::string fixture(const std::string& name) {
  return std::string(BINDTRACE_FIXTURES_DIR) + "/audit/" + name;
}

std::string out_of(Child& c) {
  std::string all;
  while (auto line = c.read_line(std::chrono::seconds(10))) all += *line + "\n";
  return all;
}

TEST(AuditCli, ConflictExitsOneWithBothDeclarationsInJson) {
  Child bt({BINDTRACE_BINARY, "audit", "--root", fixture("duplicate_manager"), "--json"});
  const std::string out = out_of(bt);
  EXPECT_EQ(bt.wait(), 1);
  const auto report = nlohmann::json::parse(out);
  ASSERT_EQ(report["conflicts"].size(), 1u) << out;
  const auto& c = report["conflicts"][0];
  EXPECT_EQ(c["port"], 8001);
  EXPECT_EQ(c["proto"], "tcp");
  EXPECT_EQ(c["code"], "duplicate_manager");
  ASSERT_EQ(c["declarations"].size(), 2u);
  EXPECT_EQ(c["declarations"][0]["file"], "/etc/systemd/system/docs-preview.service");
  EXPECT_EQ(c["declarations"][0]["line"], 6);
  EXPECT_EQ(c["declarations"][0]["manager"], "systemd");
  EXPECT_EQ(c["declarations"][0]["enabled"], true);
  EXPECT_TRUE(c["declarations"][0]["running_pid"].is_null());
  EXPECT_EQ(c["declarations"][1]["manager"], "supervisor");
  EXPECT_EQ(c["declarations"][1]["name"], "docs");
  EXPECT_FALSE(c["remedies"].empty());
  EXPECT_EQ(report["declarations"].size(), 2u);
  EXPECT_TRUE(report["unreadable"].empty());
}

TEST(AuditCli, TextReportPutsConflictsFirst) {
  Child bt({BINDTRACE_BINARY, "audit", "--root", fixture("env_file"), fixture("env_file") + "/project/.env"});
  const std::string out = out_of(bt);
  EXPECT_EQ(bt.wait(), 1);
  EXPECT_EQ(out.rfind("CONFLICT 8000/tcp on * (foreign_service)\n", 0), 0u) << out;
  EXPECT_NE(out.find("remedy: systemctl disable --now api.service"), std::string::npos) << out;
  EXPECT_NE(out.find("1 conflict among 3 port declarations"), std::string::npos) << out;
}

TEST(AuditCli, EachIncidentHasItsCode) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"system_vs_user", "system_vs_user"},
                                                                  {"container_port", "container_port"}};
  for (const auto& [root, code] : cases) {
    Child bt({BINDTRACE_BINARY, "audit", "--json", "--root", fixture(root)});
    const auto report = nlohmann::json::parse(out_of(bt));
    EXPECT_EQ(bt.wait(), 1) << root;
    ASSERT_EQ(report["conflicts"].size(), 1u) << root;
    EXPECT_EQ(report["conflicts"][0]["code"], code);
    EXPECT_EQ(report["conflicts"][0]["declarations"].size(), 2u) << root;
  }
}

TEST(AuditCli, CleanTreeExitsZero) {
  Child bt({BINDTRACE_BINARY, "audit", "--root", fixture("clean"), "--json"});
  const auto report = nlohmann::json::parse(out_of(bt));
  EXPECT_EQ(bt.wait(), 0);
  EXPECT_TRUE(report["conflicts"].empty());
  EXPECT_EQ(report["declarations"].size(), 11u);
}

TEST(AuditCli, BadInputExitsTwoWithOneLine) {
  Child bt({BINDTRACE_BINARY, "audit", "--root", fixture("no-such-root")});
  EXPECT_EQ(out_of(bt), "");
  EXPECT_EQ(bt.wait(), 2);
  Child missing({BINDTRACE_BINARY, "audit", "--root", fixture("clean"), "/nonexistent/compose.yaml"});
  EXPECT_EQ(missing.wait(), 2);
  const std::string err = missing.drain_stderr();
  EXPECT_EQ(err, "bindtrace: audit: '/nonexistent/compose.yaml' does not exist\n");
}

}  // namespace
}  // namespace bindtrace
