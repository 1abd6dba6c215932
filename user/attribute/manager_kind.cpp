// Names of the service manager kinds (manager_kind.hpp).
#include "bindtrace/attribute/manager_kind.hpp"

#include <ostream>

#include "bindtrace/name_table.hpp"

namespace bindtrace {
namespace {

constexpr NameTable<ManagerKind, 16> kNames{{{
    {ManagerKind::none, "none"},
    {ManagerKind::systemd, "systemd"},
    {ManagerKind::supervisor, "supervisor"},
    {ManagerKind::docker, "docker"},
    {ManagerKind::containerd, "containerd"},
    {ManagerKind::cri_o, "cri-o"},
    {ManagerKind::podman, "podman"},
    {ManagerKind::kubernetes, "kubernetes"},
    {ManagerKind::lxc, "lxc"},
    {ManagerKind::pm2, "pm2"},
    {ManagerKind::runit, "runit"},
    {ManagerKind::s6, "s6"},
    {ManagerKind::openrc, "openrc"},
    {ManagerKind::tmux, "tmux"},
    {ManagerKind::screen, "screen"},
    {ManagerKind::adhoc, "adhoc"},
}}};

}  // namespace

std::string_view manager_name(ManagerKind kind) noexcept {
  return kNames.name(kind);
}

std::optional<ManagerKind> parse_manager(std::string_view name) noexcept {
  return kNames.parse(name);
}

bool is_container_manager(ManagerKind kind) noexcept {
  switch (kind) {
    case ManagerKind::docker:
    case ManagerKind::podman:
    case ManagerKind::containerd:
    case ManagerKind::cri_o:
    case ManagerKind::kubernetes:
    case ManagerKind::lxc:
      return true;
    default:
      return false;
  }
}

void PrintTo(ManagerKind kind, std::ostream* os) {
  *os << manager_name(kind);
}

}  // namespace bindtrace
