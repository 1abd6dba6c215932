// F1-F7 of docs/attribution.md: processes that hold a port for a container
// (docker-proxy, dockerd, conmon, rootlessport, pasta, slirp4netns). Their own
// cgroup misleads, so they are checked first. Without asking the container
// engine, the container is named only as far as the command line says.
#pragma once

#include <optional>

#include "bindtrace/attribute.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {

// The container a forwarder stands for; nullopt when the process is no forwarder.
[[nodiscard]] std::optional<Service> forwarder_of(const ProcessSnapshot& snapshot);

// F7: the unit whose cgroup holds a podman forwarder or conmon runs that
// container (podman-NAME.service, a quadlet's NAME.service, podman-kube@.service):
// a .service of the system or of a user manager, other than podman's own
// services (the API service, podman-restart, podman-auto-update), the user
// manager itself, a login session or a transient scope podman made.
[[nodiscard]] bool runs_container(const Service& forwarder, const SystemdUnit& unit);

}  // namespace bindtrace
