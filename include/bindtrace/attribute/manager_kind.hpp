// The kind of service manager attribution names (docs/attribution.md). Code
// branches on the enum; the names are what the JSON, the text and the hooks
// show, written only where an event leaves the process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace bindtrace {

// clang-format off
// none (no manager found); service managers; container engines; in-process
// managers; terminal multiplexers; adhoc (orphaned or nohup, no manager).
enum class ManagerKind : std::uint8_t {
  none, systemd, supervisor, docker, containerd, cri_o, podman, kubernetes, lxc, pm2, runit, s6, openrc,
  tmux, screen, adhoc
};
// clang-format on

// "systemd", "cri-o", "none", ...
[[nodiscard]] std::string_view manager_name(ManagerKind kind) noexcept;
// The inverse of manager_name(); nullopt for any other text.
[[nodiscard]] std::optional<ManagerKind> parse_manager(std::string_view name) noexcept;

// docker, podman, containerd, cri-o, kubernetes, lxc.
[[nodiscard]] bool is_container_manager(ManagerKind kind) noexcept;

// For test failure messages (googletest finds it by argument-dependent lookup).
void PrintTo(ManagerKind kind, std::ostream* os);

}  // namespace bindtrace
