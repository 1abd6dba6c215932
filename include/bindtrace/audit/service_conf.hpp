// Single-file service configurations read for their listening port: a .env
// file (*PORT*=N) and PostgreSQL's postgresql.conf (port = N, with
// listen_addresses). Pure: content in, declarations out; manager none,
// enabled unknown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

// KEY=N lines whose key holds PORT (PORT, HTTP_PORT, export DB_PORT=...);
// name = `name` (the file's own name).
[[nodiscard]] std::vector<PortDeclaration> parse_env_file(std::string_view content, const std::string& file,
                                                          const std::string& name);

// `port = N`; the address from `listen_addresses` ('*' all, 'localhost'
// 127.0.0.1, one address as written; several: all). name = `name`
// ("postgresql 15/main").
[[nodiscard]] std::vector<PortDeclaration> parse_postgresql_conf(std::string_view content,
                                                                 const std::string& file,
                                                                 const std::string& name);

}  // namespace bindtrace
