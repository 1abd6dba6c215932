// Daemons that name their listening ports in their own configuration: nginx
// (`listen` in any block, `include` globs returned for the tree walker) and
// redis (`port`, `bind`). Pure: content in, declarations out; manager none,
// enabled unknown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

struct NginxReading {
  // name "nginx", program "nginx"; `listen ... udp` / `quic` is udp.
  std::vector<PortDeclaration> declarations;
  std::vector<std::string> includes;  // include patterns, as written
};

[[nodiscard]] NginxReading parse_nginx_conf(std::string_view content, const std::string& file);

// One declaration per `bind` address (none said: all addresses), name
// "redis", program "redis-server". `port 0` (no TCP listener) is skipped.
[[nodiscard]] std::vector<PortDeclaration> parse_redis_conf(std::string_view content,
                                                            const std::string& file);

}  // namespace bindtrace
