// A podman quadlet read for the host ports it publishes.
#include "bindtrace/audit/quadlet.hpp"

#include "bindtrace/audit/ini_settings.hpp"
#include "bindtrace/audit/publish_spec.hpp"

namespace bindtrace {

std::vector<PortDeclaration> parse_quadlet(std::string_view content, const std::string& file,
                                           const std::string& name) {
  std::vector<PortDeclaration> out;
  std::string image;
  bool installed = false;
  for (const IniSetting& s : read_ini_settings(content, IniDialect::systemd)) {
    if (s.section == "Install" && !s.commented && (s.key == "WantedBy" || s.key == "RequiredBy"))
      installed = true;
    if (s.section == "Container" && s.key == "Image" && !s.commented) image = s.value;
    if (s.section != "Container" || s.key != "PublishPort") continue;
    const auto spec = parse_publish_spec(s.value);
    if (!spec) continue;
    PortDeclaration base;
    base.file = file;
    base.line = s.line;
    base.manager = ManagerKind::podman;
    base.name = name;
    base.source = "PublishPort";
    base.commented = s.commented;
    add_published(out, *spec, base);
  }
  for (PortDeclaration& d : out) {
    d.program = image;
    if (installed) d.enabled = true;
  }
  return out;
}

}  // namespace bindtrace
