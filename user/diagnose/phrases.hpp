// How services, holders and endpoints are named in a summary, and the facts
// about a service the rules branch on (its manager, its level, whether a
// person started it). Private to user/diagnose/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/events/events.hpp"

namespace bindtrace::diagnose_detail {

// No manager restarts it: a shell, a terminal multiplexer, an orphan.
[[nodiscard]] bool is_interactive(const std::optional<Service>& s);
// The same manager entry: same manager, same name, same level.
[[nodiscard]] bool same_manager_entry(const Service& a, const Service& b);

enum class Level : std::uint8_t { unknown, system, user };
// A systemd system unit, or something a user's manager runs (a user unit, a rootless container).
[[nodiscard]] Level level_of(const std::optional<Service>& s);

// A container name or id `docker stop` takes; forwarders sometimes only know "container at IP".
[[nodiscard]] bool is_container_ref(std::string_view name);
// "systemd unit x.service", "docker (container at 172.17.0.2:8000)".
[[nodiscard]] std::string service_phrase(const Service& s);
// "systemctl ", or for a unit of a user manager "systemctl --user -M alice@ "
// (the uid, "-M 1000@", when its name is unknown; plain "--user" without a uid).
[[nodiscard]] std::string systemctl(const Service& s);
// The unit that keeps coming back unless masked: a user unit, or the unit
// that runs a rootless container. Empty for anything else.
[[nodiscard]] std::string user_unit_to_mask(const Service& s);
// The supervisor program section: "backend:backend" -> "backend".
[[nodiscard]] std::string supervisor_program(const Service& s);

[[nodiscard]] bool is_forwarder(const Holder& h);
[[nodiscard]] bool is_containerized(const Holder& h);
[[nodiscard]] bool is_socket_activated(const Holder& h);

// Of several holders (a forked server, a passed fd), the one to name: the first that
// satisfies `pred`, preferring the lowest pid (usually the parent, which a stop must reach).
template <typename Pred>
const Holder* pick_holder(const Owner& owner, Pred pred) {
  const Holder* best = nullptr;
  for (const Holder& h : owner.holders) {
    if (pred(h) && (!best || h.pid < best->pid)) best = &h;
  }
  return best;
}

[[nodiscard]] std::string endpoint_text(const Event& e);
// "port 8000".
[[nodiscard]] std::string port_text(const Event& e);
// "nginx (pid 12, systemd unit nginx.service)".
[[nodiscard]] std::string holder_text(const Holder& h);
// " and 2 more processes", or empty for a single holder.
[[nodiscard]] std::string others_text(const Owner& owner);
// ", started 3 h 5 min ago", or empty when the start time is unknown.
[[nodiscard]] std::string started_text(const Event& e, const Holder& h, std::uint64_t ns_per_tick);

}  // namespace bindtrace::diagnose_detail
