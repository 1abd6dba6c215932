// Attribution of an exited process (from its cgroup only), and the one-line
// description a person reads.
#include "bindtrace/attribute.hpp"

namespace bindtrace {

Service attribute_exited_process(const std::string& cgroup_path, const std::string& comm, std::uint32_t uid) {
  ProcessSnapshot snapshot;
  snapshot.comm = comm;
  snapshot.uid = uid;
  if (!cgroup_path.empty()) snapshot.cgroup_lines = {"0::" + cgroup_path};
  snapshot.environ_readable = false;
  Service service = attribute(snapshot);
  // Only the cgroup is known: environment and ancestors went with the process.
  service.partial = "process exited; attributed from its cgroup";
  if (service.manager == ManagerKind::adhoc) {
    service.manager = ManagerKind::none;
    service.name.clear();
    service.notes.clear();
    service.orphaned = false;
    service.nohup = false;
  }
  return service;
}

bool holds_port_for_container(const Service& service) noexcept {
  return service.forwarder || service.conmon;
}

std::string describe_outer(const Service& s) {
  if (s.outer.empty()) return {};
  // A container run by a unit of a user manager: say whose (F7, E8-E10).
  if (is_container_manager(s.manager) && s.scope == "user") {
    std::string text = " (inside systemd user unit " + s.outer;
    if (s.uid) text += ", uid " + std::to_string(*s.uid);
    if (!s.user.empty()) text += " " + s.user;
    return text + ")";
  }
  return " (inside " + s.outer + ")";
}

Service runner_unit(const Service& container) {
  Service unit;
  unit.manager = ManagerKind::systemd;
  unit.name = container.outer;
  unit.unit = container.outer;
  unit.scope = !container.scope.empty()               ? container.scope
               : container.uid && *container.uid != 0 ? "user"
                                                      : "system";
  unit.uid = container.uid;
  unit.user = container.user;
  return unit;
}

std::string describe_service(const Service& s) {
  std::string text;
  const ManagerKind m = s.manager;
  const std::string name(manager_name(m));
  if (m == ManagerKind::none) {
    text = "";
  } else if (m == ManagerKind::systemd) {
    if (s.scope == "user") text = "systemd user unit " + s.name + (s.uid ? " (uid " + std::to_string(*s.uid) + ")" : "");
    else if (s.scope == "session") text = "login session " + s.name + (s.uid ? " (uid " + std::to_string(*s.uid) + ")" : "");
    else text = "systemd unit " + s.name;
    if (!s.socket_unit.empty()) text += ", socket " + s.socket_unit;
  } else if (m == ManagerKind::supervisor) {
    text = "supervisor program " + (s.name.empty() ? std::string("(unknown)") : s.name);
  } else if (is_container_manager(m)) {
    text = name + " container " + s.name;
    if (!s.pod_uid.empty()) text += ", pod " + s.pod_uid;
  } else if (m == ManagerKind::pm2) {
    text = "pm2 app " + s.name;
  } else if (m == ManagerKind::runit || m == ManagerKind::s6 || m == ManagerKind::openrc) {
    text = name + " service " + s.name;
  } else if (m == ManagerKind::adhoc) {
    text = "ad hoc";
    if (!s.name.empty()) text += " " + s.name;
  } else {
    text = name + " " + s.name;
  }
  text += describe_outer(s);
  for (const std::string& note : s.notes)
    if (note == "orphaned" || note == "nohup" || note == "interactive") text += ", " + note;
  if (!s.partial.empty()) text += (text.empty() ? "" : " ") + std::string("[partial: ") + s.partial + "]";
  return text;
}

}  // namespace bindtrace
