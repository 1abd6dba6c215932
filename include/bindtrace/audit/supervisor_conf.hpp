// A supervisord configuration file read for the ports its programs claim:
// [program:x] command= arguments and environment=PORT=N; autostart=false
// makes a program disabled; [include] files= globs are returned for the tree
// walker to follow. Pure: content in, declarations out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

struct SupervisorReading {
  std::vector<PortDeclaration> declarations;  // manager supervisor, scope system
  std::vector<std::string> includes;          // [include] files= patterns, as written
};

[[nodiscard]] SupervisorReading parse_supervisor_conf(std::string_view content, const std::string& file);

}  // namespace bindtrace
