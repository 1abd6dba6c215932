// A systemd unit file or drop-in (.service, .socket, X.d/*.conf) read for the
// ports it claims: [Socket] ListenStream=/ListenDatagram=, [Service]
// Environment= *PORT*=N, ExecStart= arguments. Pure: content in, declarations out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

struct UnitFileReading {
  // manager systemd, name = `unit`, scope system and enabled unknown: the
  // tree walker sets scope and enabled state.
  std::vector<PortDeclaration> declarations;
  bool has_install = false;                    // an [Install] section: it can be enabled
  std::vector<std::string> environment_files;  // EnvironmentFile= paths, without a leading '-'
  std::string program;                         // program_identity() of the last ExecStart=
};

// `file`: the path shown in declarations; `unit`: the unit's name ("web.service").
[[nodiscard]] UnitFileReading parse_systemd_unit(std::string_view content, const std::string& file,
                                                 const std::string& unit);

}  // namespace bindtrace
