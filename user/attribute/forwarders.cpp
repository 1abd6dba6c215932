// Port forwarders, recognised by their program name and read from their argv.
#include "bindtrace/attribute/forwarders.hpp"

#include <algorithm>
#include <array>

#include "attribute/path_parts.hpp"
#include "attribute/snapshot_queries.hpp"

namespace bindtrace {
namespace {

using attribute_detail::basename_of;
using attribute_detail::option_value;
using attribute_detail::program_of;
using attribute_detail::short_id;

constexpr std::string_view kForwarderNote = "port forwarder";

// podman's own units: containers they start or restart belong to no unit of their own.
constexpr std::array<std::string_view, 4> kPodmanEngineUnits = {
    "podman.service", "podman-restart.service", "podman-auto-update.service", "podman-clean-transient.service"};

Service container_service(ManagerKind manager, std::string name) {
  Service service;
  service.manager = manager;
  service.runtime = std::string(manager_name(manager));
  service.name = std::move(name);
  service.notes.emplace_back(kForwarderNote);
  service.forwarder = true;
  return service;
}

// F1: docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8001 -container-ip 172.17.0.2 -container-port 8000
Service docker_proxy(const ProcessSnapshot& snapshot) {
  const auto ip = option_value(snapshot.argv, {"-container-ip", "--container-ip"});
  const auto port = option_value(snapshot.argv, {"-container-port", "--container-port"});
  std::string name = "a docker container";
  if (ip) name = "container at " + *ip + (port ? ":" + *port : "");
  auto service = container_service(ManagerKind::docker, std::move(name));
  if (const auto host_port = option_value(snapshot.argv, {"-host-port", "--host-port"})) {
    service.notes.push_back("host port " + *host_port);
  }
  return service;
}

// F3: conmon ... -c <id> -n <name>. CRI-O runs conmon too, with kubelet's "k8s_" names.
Service conmon(const ProcessSnapshot& snapshot) {
  const auto id = option_value(snapshot.argv, {"-c", "--cid"});
  const auto name = option_value(snapshot.argv, {"-n", "--name"});
  const bool kubelet = name && name->starts_with("k8s_");
  Service service = container_service(kubelet ? ManagerKind::cri_o : ManagerKind::podman,
                                      name ? *name : short_id(id.value_or("")));
  service.container_id = id.value_or("");
  service.notes = {"conmon"};  // the monitor, not a forwarder of its own
  service.forwarder = false;
  service.conmon = true;
  return service;
}

// F5: pasta ... --netns /run/user/1000/netns/netns-<uuid>. The uid is the one of /run/user/UID.
std::optional<Service> pasta(const ProcessSnapshot& snapshot) {
  const auto netns = option_value(snapshot.argv, {"--netns"});
  if (!netns) return std::nullopt;
  Service service = container_service(ManagerKind::podman, "container with netns " + *netns);
  constexpr std::string_view kRunUser = "/run/user/";
  if (std::string_view(*netns).starts_with(kRunUser)) {
    const std::string_view rest = std::string_view(*netns).substr(kRunUser.size());
    service.uid = parse_number<std::uint32_t>(rest.substr(0, rest.find('/')));
  }
  return service;
}

// F6: slirp4netns ... --api-socket <tmp>/<id>.net
std::optional<Service> slirp4netns(const ProcessSnapshot& snapshot) {
  const auto socket = option_value(snapshot.argv, {"--api-socket", "-a"});
  if (!socket) return std::nullopt;
  std::string_view file = basename_of(*socket);
  if (!file.ends_with(".net") || file.size() == 4) return std::nullopt;
  file.remove_suffix(4);
  Service service = container_service(ManagerKind::podman, short_id(file));
  service.container_id = std::string(file);
  service.uid = snapshot.uid;
  return service;
}

}  // namespace

std::optional<Service> forwarder_of(const ProcessSnapshot& snapshot) {
  const std::string program = program_of(snapshot);
  if (program == "docker-proxy" || snapshot.comm == "docker-proxy") return docker_proxy(snapshot);
  if (program == "dockerd" || snapshot.comm == "dockerd") {
    // F2: with the userland proxy off, dockerd reserves published ports itself.
    return container_service(ManagerKind::docker, "a container publishing this port (held by dockerd)");
  }
  if (program == "conmon" || snapshot.comm == "conmon") return conmon(snapshot);
  if (program.starts_with("rootlessport") || snapshot.comm.starts_with("rootlessport")) {
    // F4: the container is the one whose netns rootlessport-child joined: ask podman.
    Service service = container_service(ManagerKind::podman, "a rootless podman container (rootlessport)");
    service.uid = snapshot.uid;
    return service;
  }
  if (program == "pasta" || program == "pasta.avx2" || snapshot.comm.starts_with("pasta"))
    return pasta(snapshot);
  if (program == "slirp4netns" || snapshot.comm == "slirp4netns") return slirp4netns(snapshot);
  return std::nullopt;
}

bool runs_container(const Service& forwarder, const SystemdUnit& unit) {
  if (forwarder.manager != ManagerKind::podman || !holds_port_for_container(forwarder)) return false;
  if (unit.scope != "system" && unit.scope != "user") return false;
  if (!unit.name.ends_with(".service") || user_manager_uid(unit.name)) return false;
  return std::find(kPodmanEngineUnits.begin(), kPodmanEngineUnits.end(), unit.name) == kPodmanEngineUnits.end();
}

}  // namespace bindtrace
