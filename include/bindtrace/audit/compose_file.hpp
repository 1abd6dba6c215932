// A compose file (docker compose, podman compose) read with a YAML parser for
// the host ports its services publish: `ports:` short syntax
// ("[IP:]HOST:CONTAINER[/PROTO]", ranges) and long syntax (published,
// host_ip, protocol). A container port alone publishes a random host port and
// is not a claim. Pure: content in, declarations out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

struct ComposeReading {
  // manager docker, name = the service, published; enabled when the service
  // restarts by itself (restart: always / unless-stopped), else unknown.
  std::vector<PortDeclaration> declarations;
  std::string error;  // not valid YAML: the parser's message with its line
};

[[nodiscard]] ComposeReading parse_compose_file(std::string_view content, const std::string& file);

}  // namespace bindtrace
