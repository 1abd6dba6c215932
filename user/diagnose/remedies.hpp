// Remedies a person can paste: stopping an instance the way its manager
// keeps it stopped, restarting the managed copy, moving to a free port.
// Private to user/diagnose/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/events/events.hpp"

namespace bindtrace::diagnose_detail {

// The command that stops the instance `pid` runs under `service` and keeps it from
// coming back, with a note; `port` names the published port for lookups.
[[nodiscard]] std::string stop_remedy(const std::optional<Service>& service, std::uint32_t pid,
                                      std::uint16_t port, std::string_view why);
// The command that restarts the managed copy, for someone who started a second one by hand.
[[nodiscard]] std::optional<std::string> restart_command(const Service& s);
// The command that makes the managed instance re-read its configuration.
[[nodiscard]] std::optional<std::string> reload_command(const Service& s);
// "port 8002 is free: use it instead", the first alternative at or above `at_least`.
[[nodiscard]] std::optional<std::string> free_port_remedy(const Event& e, std::uint32_t at_least = 0);
// For a failing container: publish it on another host port.
[[nodiscard]] std::optional<std::string> remap_remedy(const Event& e);
// "(-p 8002:80)": the first free alternative (else "<free port>") to `container_port`.
[[nodiscard]] std::string publish_flag(const Event& e, std::string_view container_port);

}  // namespace bindtrace::diagnose_detail
