// C1-C3 of docs/attribution.md: ports that belong to a systemd .socket unit. A
// systemd manager holding the socket itself (pid 1, or systemd --user), or a
// service that received it from systemd (LISTEN_PID/LISTEN_FDS).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

inline constexpr std::string_view kSocketHandedOverNote =
    "socket handed over by systemd: stopping the service does not free the port";

// C1/C3: the holder is the system manager (pid 1) or a user manager
// (systemd --user in user@UID.service/init.scope). nullopt otherwise.
[[nodiscard]] std::optional<Service> socket_unit_holder(const ProcessSnapshot& snapshot,
                                                        std::string_view cgroup_path);

// C2: LISTEN_PID equals the holder's pid and LISTEN_FDS is a count.
[[nodiscard]] bool received_socket_from_systemd(const ProcessSnapshot& snapshot);

// The default socket unit of a service: Sockets= defaults to the same name
// ("X.service" -> "X.socket"); "" for anything that is no service.
[[nodiscard]] std::string default_socket_unit(std::string_view service_unit);

}  // namespace bindtrace
