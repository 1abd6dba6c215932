// The identity evidence a summary names (program_identity.hpp): which of
// exe, argv, cwd and configuration matched or differed between two processes.
#include <string>

#include "diagnose/program_identity.hpp"

namespace bindtrace::diagnose_detail {
namespace {

std::string pid_text(std::uint32_t pid) {
  return "pid " + std::to_string(pid);
}

// "exe /usr/sbin/nginx", "exe /usr/bin/python3.11 and /opt/venv/bin/python3", or "".
std::string exe_text(const IdentityMatch& m) {
  if (m.exe_a.empty() && m.exe_b.empty()) return {};
  if (m.exe_a == m.exe_b || m.exe_b.empty()) return "exe " + m.exe_a;
  if (m.exe_a.empty()) return "exe " + m.exe_b;
  return "exe " + m.exe_a + " and " + m.exe_b;
}

std::string same_text(const IdentityMatch& m) {
  const std::string exe = exe_text(m);
  const bool cwd_known = !m.cwd_a.empty() && !m.cwd_b.empty();
  if (cwd_known && m.cwd_a == m.cwd_b) {
    if (m.relative_paths) return (exe.empty() ? "argv" : exe + ", argv") + " and cwd " + m.cwd_a + " match";
    return (exe.empty() ? "argv matches" : exe + " and argv match") + " (cwd " + m.cwd_a + " too)";
  }
  std::string text = exe.empty() ? "argv matches" : exe + " and argv match";
  if (cwd_known) {
    text += "; cwd " + m.cwd_a + " vs " + m.cwd_b;
    text += m.relative_paths ? ", but the relative paths in argv name the same files"
                             : " does not matter (no relative path in argv)";
  }
  return text;
}

std::string other_configuration_text(const IdentityMatch& m, std::uint32_t pid_a, std::uint32_t pid_b) {
  std::string text = exe_text(m);
  text = text.empty() ? std::string("same program") : "same " + text;
  text += m.config ? ", config differs: " : ", argv differs: ";
  return text + configuration_text(m, false) + " for " + pid_text(pid_a) + ", " +
         configuration_text(m, true) + " for " + pid_text(pid_b);
}

}  // namespace

std::string configuration_text(const IdentityMatch& m, bool side_b) {
  const std::string& value = side_b ? m.value_b : m.value_a;
  const std::string& resolved = side_b ? m.resolved_b : m.resolved_a;
  if (value.empty()) return m.option.empty() ? "nothing" : "no " + m.option;
  std::string text = m.option.empty() ? value : m.option + " " + value;
  if (!resolved.empty()) text += " (" + resolved + ")";
  return text;
}

std::string identity_evidence(const IdentityMatch& m, std::uint32_t pid_a, std::uint32_t pid_b) {
  switch (m.sameness) {
    case Sameness::same:
      return same_text(m);
    case Sameness::other_configuration:
      return other_configuration_text(m, pid_a, pid_b);
    case Sameness::different:
      break;
  }
  if (!m.path_arg.empty())
    return m.path_arg + " is " + m.path_a + " for " + pid_text(pid_a) + " but " + m.path_b + " for " +
           pid_text(pid_b);
  if (m.differs == "exe") return "exe " + m.exe_a + " vs " + m.exe_b;
  if (m.differs.empty()) return "not enough known to compare them";
  return m.differs + " differs";
}

}  // namespace bindtrace::diagnose_detail
