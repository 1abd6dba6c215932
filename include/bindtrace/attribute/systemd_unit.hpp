// B1-B9 of docs/attribution.md: the systemd unit a cgroup path belongs to, with the
// semantics of systemd's cg_path_get_unit() / cg_path_get_user_unit() and
// unit_name_is_valid() (src/basic/cgroup-util.c, src/basic/unit-name.c).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bindtrace {

// Which forms unit_name_is_valid accepts (systemd's UnitNameFlags).
enum UnitNameForm : unsigned {
  kUnitNamePlain = 1,     // foo.service
  kUnitNameInstance = 2,  // foo@bar.service
  kUnitNameTemplate = 4,  // foo@.service
};

// systemd's unit_name_is_valid(): chars [A-Za-z0-9:-_.\@], a known type suffix,
// shorter than 256, and one of the allowed forms.
[[nodiscard]] bool unit_name_is_valid(std::string_view name, unsigned forms);

// "\x2d" style escapes decoded, for display only (matching uses the escaped form).
[[nodiscard]] std::string unit_name_unescape(std::string_view name);

// cg_path_get_unit(): skip leading slices, drop one leading '_', the next part
// must be a valid plain or instance unit that is not a slice.
[[nodiscard]] std::optional<std::string> cgroup_system_unit(std::string_view path);
// cg_path_get_user_unit(): the same below user@UID.service or session-ID.scope.
[[nodiscard]] std::optional<std::string> cgroup_user_unit(std::string_view path);

struct SystemdUnit {
  std::string name;   // as systemd names it (escaped): what systemctl takes
  std::string scope;  // "system", "user" (unit of a user manager) or "session" (login session scope)
  std::string slice;  // innermost slice above the unit, "" when none
  std::optional<std::uint32_t> uid;  // user manager or session owner
  bool operator==(const SystemdUnit&) const = default;
};

// The unit a person acts on: the user unit below user@UID.service, else the system unit.
[[nodiscard]] std::optional<SystemdUnit> systemd_unit_of(std::string_view path);

// "user@1000.service" -> 1000 (systemd's skip_user_manager(): a valid uid between "user@" and ".service").
[[nodiscard]] std::optional<std::uint32_t> user_manager_uid(std::string_view unit);

}  // namespace bindtrace
