// A container engine's publish spec: the host side it claims.
#include "bindtrace/audit/publish_spec.hpp"

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/text.hpp"

namespace bindtrace {

std::optional<PublishedPorts> parse_publish_spec(std::string_view spec) {
  spec = audit_text::unquote(spec);
  PublishedPorts out;
  if (const auto slash = spec.rfind('/'); slash != std::string_view::npos) {
    const std::string_view proto = spec.substr(slash + 1);
    if (proto == "udp")
      out.proto = Proto::udp;
    else if (proto != "tcp")
      return std::nullopt;
    spec = spec.substr(0, slash);
  }
  const auto last_colon = spec.rfind(':');
  if (last_colon == std::string_view::npos) return std::nullopt;  // container port only
  std::string_view host = spec.substr(0, last_colon);
  if (host.ends_with(']')) return std::nullopt;  // "[::1]:80": no host port
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    out.address = normalise_address(host.substr(0, colon));
    host = host.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;  // "127.0.0.1::80": random host port
  const auto dash = host.find('-');
  const auto first = parse_port(host.substr(0, dash));
  const auto last = dash == std::string_view::npos ? first : parse_port(host.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  out.first = *first;
  out.last = *last;
  return out;
}

void add_published(std::vector<PortDeclaration>& out, const PublishedPorts& ports,
                   const PortDeclaration& base) {
  for (unsigned port = ports.first; port <= ports.last; ++port) {
    PortDeclaration d = base;
    d.proto = ports.proto;
    d.address = ports.address;
    d.port = static_cast<std::uint16_t>(port);
    d.published = true;
    out.push_back(std::move(d));
  }
}

}  // namespace bindtrace
