// Which declarations collide, and what to do about it.
#include "bindtrace/audit/conflicts.hpp"

#include <algorithm>
#include <map>

namespace bindtrace {
namespace {

bool is_ipv4(std::string_view a) {
  return a.find(':') == std::string_view::npos;
}

// "web.service", "web.socket" and "web@x.service" name the same service "web".
std::string service_stem(const PortDeclaration& d) {
  return d.manager == ManagerKind::systemd || d.manager == ManagerKind::podman ? unit_stem(d.name) : d.name;
}

// 3 all addresses, 2 every address of IPv6 and IPv4, 1 every IPv4 address, 0 one address.
int address_width(std::string_view a) {
  return a.empty() ? 3 : a == "::" ? 2 : a == "0.0.0.0" ? 1 : 0;
}

bool is_user_side(const PortDeclaration& d) {
  return d.scope == AuditScope::user;
}

// A unit or a quadlet: what systemd starts, as the system or as a user.
bool is_unit(const PortDeclaration& d) {
  return (d.manager == ManagerKind::systemd || d.manager == ManagerKind::podman) &&
         d.scope != AuditScope::file;
}

std::string where(const PortDeclaration& d) {
  return d.file + ":" + std::to_string(d.line);
}

// `systemctl --user` for a user's unit, run from root for that user when known.
std::string systemctl(const PortDeclaration& d) {
  if (d.scope != AuditScope::user) return "systemctl ";
  return d.user.empty() ? "systemctl --user " : "systemctl --user -M " + d.user + "@ ";
}

// One paste-able way to stop this declaration's service from claiming the port.
std::string stop_remedy(const PortDeclaration& d) {
  const bool running_only = is_listening_now(d);
  switch (d.manager) {
    case ManagerKind::systemd:
      return systemctl(d) + "disable --now " + d.name;
    case ManagerKind::supervisor:
      return "supervisorctl stop " + d.name + (running_only ? "" : " (and set autostart=false in " + d.file + ")");
    case ManagerKind::podman:
      if (running_only) return "podman stop " + d.name;
      return systemctl(d) + "stop " + service_stem(d) + ".service (and remove PublishPort= at " + where(d) + ")";
    case ManagerKind::docker:
      if (running_only) return "docker stop " + d.name;
      return "docker compose -f " + d.file + " stop " + d.name;
    default:
      return running_only ? "kill " + std::to_string(*d.running_pid) + " (" + d.name + ")" : "";
  }
}

}  // namespace

bool addresses_overlap(std::string_view a, std::string_view b) noexcept {
  if (a.empty() || b.empty() || a == b || a == "::" || b == "::") return true;
  if (a == "0.0.0.0") return is_ipv4(b);
  if (b == "0.0.0.0") return is_ipv4(a);
  return false;
}

bool same_service(const PortDeclaration& a, const PortDeclaration& b) {
  return a.manager == b.manager && a.scope == b.scope && service_stem(a) == service_stem(b) &&
         (a.manager != ManagerKind::none || a.file == b.file ||
          (!a.program.empty() && a.program == b.program));
}

DiagnosisCode conflict_code(const PortDeclaration& a, const PortDeclaration& b) {
  if (!a.program.empty() && a.program == b.program && a.manager != b.manager)
    return DiagnosisCode::duplicate_manager;
  if (is_unit(a) && is_unit(b) && is_user_side(a) != is_user_side(b)) return DiagnosisCode::system_vs_user;
  if (a.published != b.published) return DiagnosisCode::container_port;
  return DiagnosisCode::foreign_service;
}

std::vector<AuditConflict> find_conflicts(const std::vector<PortDeclaration>& declarations) {
  std::map<std::pair<std::uint16_t, Proto>, std::vector<const PortDeclaration*>> by_port;
  for (const PortDeclaration& d : declarations)
    if (can_be_active(d)) by_port[{d.port, d.proto}].push_back(&d);

  std::vector<AuditConflict> out;
  for (const auto& [key, group] : by_port) {
    std::vector<bool> involved(group.size(), false);
    DiagnosisCode code = DiagnosisCode::foreign_service;
    bool found = false;
    for (std::size_t i = 0; i < group.size(); ++i)
      for (std::size_t j = i + 1; j < group.size(); ++j) {
        if (same_service(*group[i], *group[j]) || !addresses_overlap(group[i]->address, group[j]->address))
          continue;
        if (!found) code = conflict_code(*group[i], *group[j]);
        found = true;
        involved[i] = involved[j] = true;
      }
    if (!found) continue;
    AuditConflict c;
    c.port = key.first;
    c.proto = key.second;
    c.code = code;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!involved[i]) continue;
      const PortDeclaration& d = *group[i];
      c.declarations.push_back(d);
      if (c.declarations.size() == 1 || address_width(d.address) > address_width(c.address))
        c.address = d.address;
      if (!is_listening_now(d)) c.remedies.push_back("change the port at " + where(d));
      if (std::string stop = stop_remedy(d);
          !stop.empty() && std::find(c.remedies.begin(), c.remedies.end(), stop) == c.remedies.end())
        c.remedies.push_back(std::move(stop));
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace bindtrace
