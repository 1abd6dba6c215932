// The key=value settings of an INI-style file with their section and line.
#include "bindtrace/audit/ini_settings.hpp"

#include "bindtrace/audit/text.hpp"

namespace bindtrace {

std::vector<IniSetting> read_ini_settings(std::string_view content, IniDialect dialect) {
  using audit_text::trim;
  std::vector<IniSetting> out;
  std::string section;
  bool continued = false;  // the last setting goes on to the next line
  for (const audit_text::Line& l : audit_text::split_lines(content)) {
    std::string_view text = trim(l.text);
    if (continued) {
      continued = text.ends_with('\\');
      out.back().value += " " + std::string(continued ? text.substr(0, text.size() - 1) : text);
      continue;
    }
    if (text.starts_with('[') && text.ends_with(']')) {
      section = std::string(trim(text.substr(1, text.size() - 2)));
      continue;
    }
    bool commented = false;
    if (const auto setting = audit_text::commented_setting(text)) {
      text = *setting;
      commented = true;
    }
    const auto eq = text.find('=');
    if (text.empty() || text.front() == '#' || text.front() == ';' || eq == std::string_view::npos) continue;
    std::string_view value = trim(text.substr(eq + 1));
    if (dialect == IniDialect::supervisor) {
      if (const auto semi = value.find(" ;"); semi != std::string_view::npos)
        value = trim(value.substr(0, semi));
    } else if (value.ends_with('\\')) {
      value.remove_suffix(1);
      continued = !commented;
    }
    out.push_back({l.number, section, std::string(trim(text.substr(0, eq))), std::string(value), commented});
  }
  return out;
}

}  // namespace bindtrace
