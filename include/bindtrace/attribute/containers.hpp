// E1-E11 of docs/attribution.md: the container a cgroup path belongs to (docker,
// containerd, CRI-O, podman, kubernetes, lxc). The rightmost match wins, so a
// container nested in another container names the inner one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/attribute/manager_kind.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {

struct ContainerMatch {
  ManagerKind manager = ManagerKind::none;  // docker, containerd, cri-o, podman, kubernetes, lxc
  std::string runtime;               // "" when the path does not say (kubernetes, cgroupfs driver)
  std::string id;                    // full id; "" for lxc (named, not numbered)
  std::string name;                  // display: 12 hex chars of a full id, else the id or lxc name
  std::string pod_uid;               // kubernetes pod uid, '_' turned back into '-'
  std::optional<std::uint32_t> uid;  // rootless podman: the user manager's uid
  std::optional<SystemdUnit> outer;  // systemd unit wrapping the container (E10), with its scope and uid
  bool conmon = false;               // the podman/CRI-O monitor, not the payload (E9)
  bool operator==(const ContainerMatch&) const = default;
};

// One cgroup path.
[[nodiscard]] std::optional<ContainerMatch> container_of_path(std::string_view path);

// Several paths (cgroup_paths_for_containers): the first path that matches.
[[nodiscard]] std::optional<ContainerMatch> container_of_paths(const std::vector<std::string>& paths);

}  // namespace bindtrace
