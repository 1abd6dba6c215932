// Which declaration each listener runs, and the listeners no declaration explains.
#include "bindtrace/audit/live_check.hpp"

#include <algorithm>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/endpoint_text.hpp"

namespace bindtrace {
namespace {

bool same_side(const PortDeclaration& d, const Service& s) {
  return d.scope == AuditScope::file || (d.scope == AuditScope::user) == (s.scope == "user");
}

bool runs_unit(const PortDeclaration& d, const Service& s) {
  const std::string stem = unit_stem(d.name);
  if (!same_side(d, s)) return false;
  // The unit itself, the .socket it was activated through, or the unit that
  // runs a container (a quadlet's generated service).
  for (const std::string* unit : {&s.unit, &s.socket_unit, &s.outer})
    if (!unit->empty() && unit_stem(*unit) == stem) return true;
  return false;
}

// A daemon's own configuration names its program ("nginx", "postgres"): the
// listener's executable name or comm (nginx rewrites its argv).
bool runs_program(const PortDeclaration& d, const LiveListener& l) {
  if (d.program.empty()) return false;
  const std::string program = program_identity(l.cmdline);
  if (program == d.program) return true;
  if (d.program.find(' ') != std::string::npos) return false;
  return l.comm == d.program || program.substr(0, program.find(' ')) == d.program;
}

std::string name_of(const LiveListener& l) {
  if (!l.service) return l.comm;
  const Service& s = *l.service;
  if (s.manager == ManagerKind::systemd && !s.unit.empty()) return s.unit;
  if (s.manager == ManagerKind::supervisor && !s.program.empty()) return s.program;
  // An ad-hoc process's name is its pid ("pid 4242"), said apart already.
  return s.name.empty() || s.manager == ManagerKind::adhoc || s.manager == ManagerKind::none ? l.comm : s.name;
}

PortDeclaration as_declaration(const LiveListener& l) {
  PortDeclaration d;
  d.proto = l.proto;
  d.address = l.address;
  d.port = l.port;
  d.source = "listening now";
  d.program = l.cmdline.empty() ? l.comm : program_identity(l.cmdline);
  d.name = name_of(l);
  d.running_pid = static_cast<int>(l.pid);
  d.enabled = true;
  if (l.service) {
    d.manager = l.service->manager;
    d.scope = l.service->scope == "user" ? AuditScope::user : AuditScope::system;
    d.published = holds_port_for_container(*l.service);
  }
  return d;
}

}  // namespace

bool runs_declaration(const PortDeclaration& d, const LiveListener& l) {
  if (d.proto != l.proto || d.port != l.port || !addresses_overlap(d.address, l.address)) return false;
  if (l.service) {
    const Service& s = *l.service;
    switch (d.manager) {
      case ManagerKind::systemd:
      case ManagerKind::podman:
        return runs_unit(d, s);
      case ManagerKind::supervisor:
        return s.manager == ManagerKind::supervisor && (s.program == d.name || s.group == d.name);
      case ManagerKind::docker:
        // A compose service's container is named by the engine, which audit
        // does not ask: a docker container on the published port is taken as it.
        return s.manager == ManagerKind::docker;
      default:
        break;
    }
  }
  return d.manager == ManagerKind::none && runs_program(d, l);
}

std::vector<PortDeclaration> join_live(std::vector<PortDeclaration>& declarations,
                                       const std::vector<LiveListener>& listeners) {
  std::vector<PortDeclaration> unexplained;
  for (const LiveListener& l : listeners) {
    bool declared = false, explained = false;
    for (PortDeclaration& d : declarations) {
      if (d.commented || d.proto != l.proto || d.port != l.port || !addresses_overlap(d.address, l.address))
        continue;
      declared = true;
      if (!runs_declaration(d, l)) continue;
      explained = true;
      if (!d.running_pid) d.running_pid = static_cast<int>(l.pid);
    }
    if (!declared || explained) continue;
    // One claimant per process and port: its IPv4 and IPv6 sockets are one.
    const bool seen = std::any_of(unexplained.begin(), unexplained.end(), [&](const PortDeclaration& u) {
      return u.running_pid == static_cast<int>(l.pid) && u.port == l.port && u.proto == l.proto;
    });
    if (!seen) unexplained.push_back(as_declaration(l));
  }
  return unexplained;
}

}  // namespace bindtrace
