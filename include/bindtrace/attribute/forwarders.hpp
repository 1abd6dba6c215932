// F1-F6 of docs/attribution.md: processes that hold a port for a container
// (docker-proxy, dockerd, conmon, rootlessport, pasta, slirp4netns). Their own
// cgroup misleads, so they are checked first. Without asking the container
// engine, the container is named only as far as the command line says.
#pragma once

#include <optional>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// The container a forwarder stands for; nullopt when the process is no forwarder.
[[nodiscard]] std::optional<Service> forwarder_of(const ProcessSnapshot& snapshot);

}  // namespace bindtrace
