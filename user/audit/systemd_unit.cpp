// A systemd unit file or drop-in read for the ports it claims.
#include "bindtrace/audit/systemd_unit.hpp"

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/ini_settings.hpp"
#include "bindtrace/audit/text.hpp"

namespace bindtrace {
namespace {

using audit_text::trim;
using Setting = IniSetting;

}  // namespace

UnitFileReading parse_systemd_unit(std::string_view content, const std::string& file,
                                   const std::string& unit) {
  UnitFileReading out;
  auto declare = [&](const Setting& s, Proto proto, const TextEndpoint& e, std::string source) {
    PortDeclaration d;
    d.file = file;
    d.line = s.line;
    d.manager = ManagerKind::systemd;
    d.name = unit;
    d.proto = proto;
    d.address = e.address;
    d.port = e.port;
    d.source = std::move(source);
    d.commented = s.commented;
    out.declarations.push_back(std::move(d));
  };
  for (const Setting& s : read_ini_settings(content, IniDialect::systemd)) {
    if (s.section == "Install" && !s.commented) out.has_install = true;
    if (s.section == "Socket" && (s.key == "ListenStream" || s.key == "ListenDatagram")) {
      // A port alone listens on [::] (dual-stack), as systemd does.
      if (auto e = parse_text_endpoint(s.value)) {
        if (parse_port(audit_text::trim(s.value))) e->address = "::";
        declare(s, s.key == "ListenStream" ? Proto::tcp : Proto::udp, *e, s.key);
      }
    } else if (s.section == "Service" && s.key == "Environment") {
      for (const std::string& assignment : audit_text::split_words(s.value)) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || !audit_text::is_port_key(assignment.substr(0, eq))) continue;
        if (const auto port = parse_port(assignment.substr(eq + 1)))
          declare(s, Proto::tcp, TextEndpoint{"", *port}, "Environment " + assignment.substr(0, eq));
      }
    } else if (s.section == "Service" && s.key == "EnvironmentFile" && !s.commented) {
      std::string_view path = trim(s.value);
      if (path.starts_with('-')) path.remove_prefix(1);
      if (!path.empty()) out.environment_files.emplace_back(path);
    } else if (s.section == "Service" && s.key == "ExecStart") {
      for (const TextEndpoint& e : ports_from_command(s.value)) declare(s, Proto::tcp, e, "ExecStart");
      if (!s.commented) out.program = program_identity(s.value);
    }
  }
  for (PortDeclaration& d : out.declarations) d.program = out.program;
  return out;
}

}  // namespace bindtrace
