// A container engine's publish spec, "[IP:]HOST:CONTAINER[/PROTO]" (compose
// short syntax, podman PublishPort=, docker -p): the host side it claims.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"
#include "bindtrace/events/kinds.hpp"

namespace bindtrace {

struct PublishedPorts {
  std::string address;                // "" when not said
  std::uint16_t first = 0, last = 0;  // a range "8000-8001:8000-8001", or first == last
  Proto proto = Proto::tcp;
};

// nullopt for a container port alone ("80": a random host port) or anything malformed.
[[nodiscard]] std::optional<PublishedPorts> parse_publish_spec(std::string_view spec);

// One published declaration per host port of `ports`, each a copy of `base`
// with the protocol, address and port set, appended to `out`.
void add_published(std::vector<PortDeclaration>& out, const PublishedPorts& ports,
                   const PortDeclaration& base);

}  // namespace bindtrace
