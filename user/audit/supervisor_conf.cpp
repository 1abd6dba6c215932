// A supervisord configuration file read for the ports its programs claim.
#include "bindtrace/audit/supervisor_conf.hpp"

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/ini_settings.hpp"
#include "bindtrace/audit/text.hpp"

namespace bindtrace {
namespace {

using audit_text::trim;

// environment=A="1",PORT=8000: the assignments, commas inside quotes kept.
std::vector<std::pair<std::string, std::string>> environment_pairs(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string item;
  char quote = 0;
  auto flush = [&] {
    const auto eq = item.find('=');
    if (eq != std::string::npos)
      out.emplace_back(std::string(trim(item.substr(0, eq))),
                       std::string(audit_text::unquote(item.substr(eq + 1))));
    item.clear();
  };
  for (const char c : value) {
    if (quote != 0 && c == quote)
      quote = 0;
    else if (quote == 0 && (c == '"' || c == '\''))
      quote = c;
    else if (quote == 0 && c == ',') {
      flush();
      continue;
    }
    item += c;
  }
  flush();
  return out;
}

struct Program {
  std::vector<PortDeclaration> declarations;
  std::string program;
  bool autostart = true;
};

}  // namespace

SupervisorReading parse_supervisor_conf(std::string_view content, const std::string& file) {
  SupervisorReading out;
  std::string section;
  Program current;
  auto finish_program = [&] {
    for (PortDeclaration& d : current.declarations) {
      d.program = current.program;
      d.enabled = current.autostart;
      out.declarations.push_back(std::move(d));
    }
    current = Program{};
  };
  for (const IniSetting& s : read_ini_settings(content, IniDialect::supervisor)) {
    if (s.section != section) {
      finish_program();
      section = s.section;
    }
    if (section == "include" && s.key == "files" && !s.commented) {
      for (std::string& pattern : audit_text::split_words(s.value))
        out.includes.push_back(std::move(pattern));
      continue;
    }
    if (!section.starts_with("program:")) continue;
    auto declare = [&](const TextEndpoint& e, std::string source) {
      PortDeclaration d;
      d.file = file;
      d.line = s.line;
      d.manager = ManagerKind::supervisor;
      d.name = std::string(trim(std::string_view(section).substr(8)));
      d.address = e.address;
      d.port = e.port;
      d.source = std::move(source);
      d.commented = s.commented;
      current.declarations.push_back(std::move(d));
    };
    if (s.key == "command") {
      for (const TextEndpoint& e : ports_from_command(s.value)) declare(e, "command");
      if (!s.commented) current.program = program_identity(s.value);
    } else if (s.key == "environment") {
      for (const auto& [name, setting] : environment_pairs(s.value))
        if (audit_text::is_port_key(name))
          if (const auto port = parse_port(setting))
            declare(TextEndpoint{"", *port}, "environment " + name);
    } else if (s.key == "autostart" && !s.commented) {
      current.autostart = !(s.value == "false" || s.value == "False" || s.value == "no" || s.value == "0");
    }
  }
  finish_program();
  return out;
}

}  // namespace bindtrace
