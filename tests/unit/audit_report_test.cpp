// The audit report: untrusted text escaped for a terminal, valid JSON whatever the files hold.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bindtrace/audit/report.hpp"

namespace bindtrace {
namespace {

AuditInput hostile_input() {
  PortDeclaration a;
  a.file = "/etc/x\x1b[31m.service";
  a.line = 2;
  a.manager = ManagerKind::systemd;
  a.name = "x\n.service";
  a.port = 80;
  a.enabled = true;
  a.program = "srv \xff\xfe";
  PortDeclaration b = a;
  b.manager = ManagerKind::supervisor;
  b.name = "y\"\\";
  b.file = "/etc/y.conf";
  return AuditInput{{a, b}, {{"/etc/\x07" "bell", "not a regular file"}}};
}

TEST(AuditReport, TextHasNoControlCharacters) {
  const AuditInput input = hostile_input();
  const std::string text = audit_report_text(input, find_conflicts(input.declarations));
  EXPECT_EQ(text.rfind("CONFLICT 80/tcp on * (duplicate_manager)\n", 0), 0u) << text;
  for (const char c : text) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << int(c);
  EXPECT_NE(text.find("\\x1b[31m"), std::string::npos) << text;
  EXPECT_NE(text.find("1 conflict among 2 port declarations\n"), std::string::npos) << text;
}

TEST(AuditReport, JsonStaysValid) {
  const AuditInput input = hostile_input();
  const std::string json = audit_report_json(input, find_conflicts(input.declarations));
  const auto doc = nlohmann::json::parse(json);
  ASSERT_EQ(doc["conflicts"].size(), 1u);
  EXPECT_EQ(doc["conflicts"][0]["declarations"][0]["file"], "/etc/x\x1b[31m.service");
  EXPECT_EQ(doc["conflicts"][0]["declarations"][1]["name"], "y\"\\");
  EXPECT_EQ(doc["conflicts"][0]["declarations"][0]["enabled"], true);
  EXPECT_TRUE(doc["conflicts"][0]["declarations"][0]["running_pid"].is_null());
  EXPECT_EQ(doc["unreadable"][0]["error"], "not a regular file");
  EXPECT_EQ(json.back(), '\n');
}

}  // namespace
}  // namespace bindtrace
