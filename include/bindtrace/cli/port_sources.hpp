// Ports named on the command line ("8001", "8001/udp", "8000-8010") or found
// in deployment files (.env `*_PORT=`, docker-compose `ports:`). Pure parsers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/events/kinds.hpp"

namespace bindtrace {

struct PortSpec {
  Proto proto = Proto::tcp;
  std::uint16_t port = 0;
  std::string origin;  // where it came from ("compose.yml:12"), for messages
  bool operator==(const PortSpec& other) const { return proto == other.proto && port == other.port; }
};

// "8001", "8001/tcp", "8001/udp", and with allow_ranges "8000-8010[/udp]".
// Throws UsageError naming `option` on anything else.
[[nodiscard]] std::vector<PortSpec> parse_port_arg(std::string_view option, std::string_view text,
                                                   bool allow_ranges);

// KEY_PORT=8001 / KEY_PORT="8001" lines (comments and other keys ignored).
[[nodiscard]] std::vector<PortSpec> ports_from_env(std::string_view content, const std::string& name);

// The published host ports of a docker-compose file: short syntax
// ("8080:80", "127.0.0.1:8080:80/udp", "8000-8001:8000-8001") and long
// syntax (`published: 8080`, `protocol: udp`), read by the audit's YAML
// reader (parse_compose_file). Container-only ports ("80") publish a random
// host port and are skipped. Throws UsageError when the file is not valid YAML.
[[nodiscard]] std::vector<PortSpec> ports_from_compose(std::string_view content, const std::string& name);

}  // namespace bindtrace
