// Container patterns in cgroup paths, as the runtimes and the kubelet name
// their cgroups (systemd and cgroupfs drivers).
#include "bindtrace/attribute/containers.hpp"

#include <algorithm>
#include <array>

#include "attribute/path_parts.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {
namespace {

using attribute_detail::is_container_id;
using attribute_detail::is_hex;
using attribute_detail::short_id;
using attribute_detail::split_path;

// containerd namespaces whose tasks get "/<namespace>/<id>" cgroups (cgroupfs layout).
constexpr std::array<std::string_view, 6> kContainerdNamespaces = {
    "default", "k8s.io", "moby", "buildkit", "services.linuxkit", "nerdctl"};

// "<prefix><id><suffix>" with a 64-hex id -> id.
std::optional<std::string_view> id_between(std::string_view part, std::string_view prefix,
                                           std::string_view suffix) {
  if (!part.starts_with(prefix) || !part.ends_with(suffix) || part.size() < prefix.size() + suffix.size()) {
    return std::nullopt;
  }
  const std::string_view id = part.substr(prefix.size(), part.size() - prefix.size() - suffix.size());
  if (!is_container_id(id)) return std::nullopt;
  return id;
}

// The pod uid of a kubepods part: "kubepods-besteffort-pod<uid>.slice" (systemd
// driver, '-' escaped as '_'), "pod<uid>" (cgroupfs driver), or a
// "...-pod<uid>.slice:cri-containerd:<id>" part.
std::optional<std::string> pod_uid_of(std::string_view part) {
  if (const std::size_t colon = part.find(':'); colon != std::string_view::npos) part = part.substr(0, colon);
  std::string_view uid;
  if (part.starts_with("kubepods") && part.ends_with(".slice")) {
    const std::size_t pod = part.rfind("-pod");
    if (pod == std::string_view::npos) return std::nullopt;
    uid = part.substr(pod + 4, part.size() - pod - 4 - std::string_view(".slice").size());
  } else if (part.starts_with("pod")) {
    uid = part.substr(3);
  } else {
    return std::nullopt;
  }
  std::string result(uid);
  std::replace(result.begin(), result.end(), '_', '-');
  const bool plausible = !result.empty() && std::all_of(result.begin(), result.end(), [](char c) {
    return c == '-' || is_hex(std::string_view(&c, 1));
  });
  if (!plausible) return std::nullopt;
  return result;
}

bool under_kubepods(const std::vector<std::string_view>& parts, std::size_t end) {
  return std::any_of(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(end),
                     [](std::string_view part) { return part.starts_with("kubepods"); });
}

// The pod of the container at parts[at]: that part itself (E6) or the nearest one above.
std::string pod_uid_above(const std::vector<std::string_view>& parts, std::size_t at) {
  for (std::size_t i = std::min(at + 1, parts.size()); i > 0; --i) {
    if (auto uid = pod_uid_of(parts[i - 1])) return *uid;
  }
  return {};
}

ContainerMatch make(ManagerKind manager, std::string_view runtime, std::string_view id) {
  ContainerMatch match;
  match.manager = manager;
  match.runtime = std::string(runtime);
  match.id = std::string(id);
  match.name = short_id(id);
  return match;
}

// lxc containers are named, not numbered.
ContainerMatch lxc(std::string_view name) {
  ContainerMatch match;
  match.manager = ManagerKind::lxc;
  match.runtime = "lxc";
  match.name = std::string(name);
  return match;
}

bool is_containerd_id(std::string_view id) {
  return !id.empty() && id.size() <= 76 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// The container named by parts[i] (and its neighbours), if any.
std::optional<ContainerMatch> match_at(const std::vector<std::string_view>& parts, std::size_t i) {
  const std::string_view part = parts[i];
  if (auto id = id_between(part, "docker-", ".scope")) return make(ManagerKind::docker, "docker", *id);  // E1
  if (i > 0 && parts[i - 1] == "docker" && is_container_id(part))
    return make(ManagerKind::docker, "docker", part);  // E2
  if (auto id = id_between(part, "crio-conmon-", ".scope")) {
    auto match = make(ManagerKind::cri_o, "cri-o", *id);
    match.conmon = true;
    match.pod_uid = pod_uid_above(parts, i);
    return match;
  }
  if (auto id = id_between(part, "crio-", ".scope")) {  // E3
    auto match = make(ManagerKind::cri_o, "cri-o", *id);
    match.pod_uid = pod_uid_above(parts, i);
    return match;
  }
  if (auto id = id_between(part, "cri-containerd-", ".scope")) {  // E4
    auto match = make(ManagerKind::containerd, "containerd", *id);
    match.pod_uid = pod_uid_above(parts, i);
    return match;
  }
  // E6: kubelet's systemd driver on cgroup v1 writes "<slice>:<prefix>:<id>".
  for (const auto& [marker, manager] :
       {std::pair<std::string_view, ManagerKind>{":cri-containerd:", ManagerKind::containerd},
        {":crio:", ManagerKind::cri_o},
        {":docker:", ManagerKind::docker}}) {
    const std::size_t at = part.find(marker);
    if (at == std::string_view::npos) continue;
    const std::string_view id = part.substr(at + marker.size());
    if (!is_container_id(id)) continue;
    auto match = make(manager, manager_name(manager), id);
    match.pod_uid = pod_uid_above(parts, i);
    return match;
  }
  // E5: /kubepods[/<qos>]/pod<uid>/<id> (cgroupfs driver): the runtime is not named.
  if (is_container_id(part) && i > 0 && parts[i - 1].starts_with("pod") && under_kubepods(parts, i)) {
    auto match = make(ManagerKind::kubernetes, "", part);
    match.pod_uid = pod_uid_above(parts, i);
    return match;
  }
  if (auto id = id_between(part, "libpod-conmon-", ".scope")) {  // E9
    auto match = make(ManagerKind::podman, "podman", *id);
    match.conmon = true;
    return match;
  }
  if (auto id = id_between(part, "libpod-", ".scope")) return make(ManagerKind::podman, "podman", *id);  // E8
  if (auto id = id_between(part, "libpod-payload-", ""))
    return make(ManagerKind::podman, "podman", *id);  // E10
  // E11: lxc 4+ "lxc.payload.<name>", older "lxc/<name>".
  constexpr std::string_view kLxcPayload = "lxc.payload.";
  if (part.starts_with(kLxcPayload) && part.size() > kLxcPayload.size()) {
    return lxc(part.substr(kLxcPayload.size()));
  }
  if (i > 0 && parts[i - 1] == "lxc") {
    return lxc(part);
  }
  // E7: "/<containerd namespace>/<id>" only for namespaces containerd is known to use.
  if (i > 0 && is_containerd_id(part) &&
      std::find(kContainerdNamespaces.begin(), kContainerdNamespaces.end(), parts[i - 1]) !=
          kContainerdNamespaces.end()) {
    return make(ManagerKind::containerd, "containerd", part);
  }
  return std::nullopt;
}

// The path above the container part, joined again.
std::string prefix_path(const std::vector<std::string_view>& parts, std::size_t end) {
  std::string path;
  for (std::size_t i = 0; i < end; ++i) {
    path += '/';
    path += parts[i];
  }
  return path;
}

}  // namespace

std::optional<ContainerMatch> container_of_path(std::string_view path) {
  const auto parts = split_path(path);
  for (std::size_t i = parts.size(); i > 0; --i) {
    auto match = match_at(parts, i - 1);
    if (!match) continue;
    const std::string above = prefix_path(parts, i - 1);
    if (const auto unit = systemd_unit_of(above)) {
      if (const auto uid = user_manager_uid(unit->name); uid && unit->scope == "system") {
        match->uid = uid;  // rootless: the user manager itself is no wrapping service
      } else {
        if (unit->uid && unit->scope == "user") match->uid = unit->uid;
        match->outer = *unit;
      }
    }
    return match;
  }
  return std::nullopt;
}

std::optional<ContainerMatch> container_of_paths(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    if (auto match = container_of_path(path)) return match;
  }
  return std::nullopt;
}

}  // namespace bindtrace
