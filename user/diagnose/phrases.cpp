// How services, holders and endpoints are named in a summary (phrases.hpp).
#include "diagnose/phrases.hpp"


#include <algorithm>

#include "diagnose/program_identity.hpp"
#include "diagnose/text.hpp"

namespace bindtrace::diagnose_detail {

// No manager restarts it: a shell, a terminal multiplexer, an orphan.
bool is_interactive(const std::optional<Service>& s) {
  if (!s) return true;
  const ManagerKind m = s->manager;
  return m == ManagerKind::none || m == ManagerKind::adhoc || m == ManagerKind::tmux ||
         m == ManagerKind::screen || (m == ManagerKind::systemd && (s->scope == "session" || s->interactive));
}

// The same manager entry: same manager, same name, same level.
bool same_manager_entry(const Service& a, const Service& b) {
  return a.manager == b.manager && a.name == b.name && a.scope == b.scope && a.uid == b.uid;
}

// A systemd system unit, or something a user's manager runs (a user unit, a rootless container).
Level level_of(const std::optional<Service>& s) {
  if (!s) return Level::unknown;
  if (s->manager == ManagerKind::systemd) {
    if (s->scope == "system") return Level::system;
    if (s->scope == "user") return Level::user;
    return Level::unknown;
  }
  if (is_container_manager(s->manager) && s->uid && *s->uid != 0) return Level::user;
  if (s->outer.starts_with("user@") || (!s->outer.empty() && s->scope == "user")) return Level::user;
  return Level::unknown;
}

// A container name or id `docker stop` takes; forwarders sometimes only know "container at IP".
bool is_container_ref(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// What a person reads: "systemd unit x.service", "docker (container at 172.17.0.2:8000)".
std::string service_phrase(const Service& s) {
  if (is_container_manager(s.manager) && !is_container_ref(s.name) && s.pod_uid.empty()) {
    return std::string(manager_name(s.manager)) + " (" + s.name + ")" + describe_outer(s);
  }
  // The partial note belongs to the process line, not to a one-line summary.
  Service without_partial = s;
  without_partial.partial.clear();
  return describe_service(without_partial);
}

std::string systemctl(const Service& s) {
  if (s.scope != "user") return "systemctl ";
  // Reach that user's manager from any shell (root's own --user manager is another one).
  if (!s.user.empty()) return "systemctl --user -M " + shell_quote(s.user + "@") + " ";
  if (s.uid) return "systemctl --user -M " + std::to_string(*s.uid) + "@ ";
  return "systemctl --user ";
}

std::string user_unit_to_mask(const Service& s) {
  if (s.manager == ManagerKind::systemd)
    return s.scope == "user" && s.name.ends_with(".service") ? s.name : std::string{};
  if (is_container_manager(s.manager) && !s.outer.empty() && runner_unit(s).scope == "user") return s.outer;
  return {};
}

// The supervisor program section: "backend:backend" -> "backend".
std::string supervisor_program(const Service& s) {
  if (!s.program.empty()) return s.program;
  const std::size_t colon = s.name.find(':');
  return colon == std::string::npos ? s.name : s.name.substr(colon + 1);
}

bool is_forwarder(const Holder& h) {
  return h.service && holds_port_for_container(*h.service);
}

bool is_containerized(const Holder& h) {
  return h.service && is_container_manager(h.service->manager);
}

bool is_socket_activated(const Holder& h) {
  return h.service &&
         (!h.service->socket_unit.empty() || h.service->socket_handed_over || h.service->socket_activation);
}

std::string endpoint_text(const Event& e) {
  return to_string(e.endpoint);
}

std::string port_text(const Event& e) {
  return "port " + std::to_string(e.endpoint.port);
}

std::string holder_text(const Holder& h) {
  std::string text = program_display(identity_of(h)) + " (pid " + std::to_string(h.pid);
  if (h.service) {
    const std::string phrase = service_phrase(*h.service);
    if (!phrase.empty()) text += ", " + phrase;
  }
  return text + ")";
}

std::string others_text(const Owner& owner) {
  std::size_t workers = 0;
  std::size_t more = 0;
  for (std::size_t i = 1; i < owner.holders.size(); ++i)
    ++(owner.holders[i].role == HolderRole::worker ? workers : more);
  std::string text;
  if (workers > 0) text += " with " + std::to_string(workers) + (workers == 1 ? " worker" : " workers");
  if (more > 0) text += " and " + std::to_string(more) + (more == 1 ? " more process" : " more processes");
  return text;
}


std::string started_text(const Event& e, const Holder& h, std::uint64_t ns_per_tick) {
  if (h.start_time == 0 || e.boot_ns == 0) return {};
  const std::uint64_t started_ns = h.start_time * ns_per_tick;
  if (started_ns > e.boot_ns) return {};
  return ", started " + age_text(e.boot_ns - started_ns) + " ago";
}

}  // namespace bindtrace::diagnose_detail
