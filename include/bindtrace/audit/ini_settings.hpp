// The key=value settings of an INI-style file with their section and line:
// systemd units and quadlets (backslash continuation lines) and supervisord
// (inline " ;" comments). A commented-out setting is kept, marked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

enum class IniDialect : std::uint8_t { systemd, supervisor };

struct IniSetting {
  std::size_t line = 0;  // 1-based, the first line of a continued setting
  std::string section;   // "Service", "program:web"
  std::string key, value;
  bool commented = false;
};

[[nodiscard]] std::vector<IniSetting> read_ini_settings(std::string_view content, IniDialect dialect);

}  // namespace bindtrace
