// A compose file read with yaml-cpp for the host ports its services publish.
#include "bindtrace/audit/compose_file.hpp"

#include <yaml-cpp/yaml.h>

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/publish_spec.hpp"

namespace bindtrace {
namespace {

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

// A long-syntax item: published (a port or a range), host_ip, protocol.
std::optional<PublishedPorts> long_syntax(const YAML::Node& item) {
  const std::string published = scalar(item, "published");
  if (published.empty()) return std::nullopt;
  std::string spec = published + ":" + (scalar(item, "target").empty() ? "0" : scalar(item, "target"));
  if (const std::string proto = scalar(item, "protocol"); !proto.empty()) spec += "/" + proto;
  auto out = parse_publish_spec(spec);
  if (out) out->address = normalise_address(scalar(item, "host_ip"));
  return out;
}

void read_service(const std::string& name, const YAML::Node& service, const std::string& file,
                  std::vector<PortDeclaration>& out) {
  const YAML::Node ports = service["ports"];
  if (!ports || !ports.IsSequence()) return;
  const std::string restart = scalar(service, "restart");
  for (const YAML::Node& item : ports) {
    const std::optional<PublishedPorts> spec = item.IsScalar() ? parse_publish_spec(item.Scalar())
                                               : item.IsMap()  ? long_syntax(item)
                                                               : std::nullopt;
    if (!spec) continue;
    PortDeclaration base;
    base.file = file;
    base.line = static_cast<std::size_t>(item.Mark().line) + 1;
    base.manager = ManagerKind::docker;
    base.name = name;
    base.source = "ports";
    base.program = scalar(service, "image");
    if (restart == "always" || restart == "unless-stopped") base.enabled = true;
    add_published(out, *spec, base);
  }
}

}  // namespace

ComposeReading parse_compose_file(std::string_view content, const std::string& file) {
  ComposeReading out;
  try {
    const YAML::Node root = YAML::Load(std::string(content));
    const YAML::Node services = root.IsMap() ? root["services"] : YAML::Node();
    if (!services || !services.IsMap()) return out;
    for (const auto& entry : services)
      if (entry.second.IsMap()) read_service(entry.first.Scalar(), entry.second, file, out.declarations);
  } catch (const YAML::Exception& e) {
    out.declarations.clear();
    out.error = "not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
  }
  return out;
}

}  // namespace bindtrace
