// What kind of definition a file is, by its name (and, for an ambiguous
// .conf, its content), and the parser that reads that kind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

enum class FileKind : std::uint8_t {
  unknown,
  systemd_unit,
  quadlet,
  compose,
  supervisor,
  nginx,
  redis,
  postgresql,
  env
};

// *.service / *.socket.
[[nodiscard]] bool is_unit_name(std::string_view name) noexcept;

// By the file's base name: *.service|*.socket, *.container, (docker-)compose.y(a)ml
// and *.compose.y(a)ml, nginx.conf, redis*.conf, postgresql.conf, .env / *.env / .env.*, and a
// supervisord.conf or a .conf holding a [program:...] section.
[[nodiscard]] FileKind kind_of(const std::string& path, std::string_view content);

// Runs the parser of `kind` (supervisor and nginx includes are not followed
// here). The name of a declaration is the unit's, the file's or the
// PostgreSQL cluster's ("postgresql 15/main").
struct ParsedFile {
  std::vector<PortDeclaration> declarations;
  std::string error;  // why the file could not be read as its kind ("not valid YAML: ...")
};
[[nodiscard]] ParsedFile parse_by_kind(FileKind kind, std::string_view content, const std::string& shown);

// The paths inside `root` ("" for /) that match the glob `pattern` (a path
// inside the root), as paths inside the root, sorted.
[[nodiscard]] std::vector<std::string> glob_under(const std::string& root, const std::string& pattern);

}  // namespace bindtrace
