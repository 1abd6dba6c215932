// The rule set of docs/attribution.md in its order of precedence: forwarder ->
// container -> in-process manager -> socket activation -> systemd unit ->
// heuristics. Each rule lives in its own file; this one only orders them.
#include "bindtrace/attribute.hpp"

#include <string_view>

#include "bindtrace/attribute/adhoc.hpp"
#include "bindtrace/attribute/cgroup_path.hpp"
#include "bindtrace/attribute/containers.hpp"
#include "bindtrace/attribute/forwarders.hpp"
#include "bindtrace/attribute/in_process_managers.hpp"
#include "bindtrace/attribute/socket_activation.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {
namespace {

// The unit's own fields; `manager`/`name` only when systemd is what a person acts on.
void add_unit(Service& service, const SystemdUnit& unit) {
  service.unit = unit_name_unescape(unit.name);
  service.scope = unit.scope;
  service.slice = unit.slice;
  if (unit.uid) service.uid = unit.uid;
}

// A container (or its forwarder) and the unit that runs it, in one Service:
// `outer` is what systemctl takes, unit/scope/slice/uid say where it runs.
void add_runner(Service& service, const SystemdUnit& unit) {
  add_unit(service, unit);
  service.outer = unit.name;
}

Service from_container(ContainerMatch match) {
  Service service;
  service.manager = match.manager;
  service.name = std::move(match.name);
  service.container_id = std::move(match.id);
  service.runtime = std::move(match.runtime);
  service.pod_uid = std::move(match.pod_uid);
  service.uid = match.uid;
  if (match.outer) add_runner(service, *match.outer);
  if (match.conmon) {
    service.notes.emplace_back("conmon");
    service.conmon = true;
  }
  return service;
}

Service from_unit(const SystemdUnit& unit) {
  Service service;
  service.manager = ManagerKind::systemd;
  service.name = unit.name;  // escaped: systemctl takes the real name
  add_unit(service, unit);
  return service;
}

// The login session scope is where interactive processes live: no service of its own.
bool is_session(const std::optional<SystemdUnit>& unit) {
  return unit && unit->scope == "session";
}

Service attribute_by_precedence(const ProcessSnapshot& snapshot, const std::string& path,
                                const std::optional<SystemdUnit>& unit, bool cgroup_known) {
  if (auto forwarder = forwarder_of(snapshot)) {
    if (unit && runs_container(*forwarder, *unit)) add_runner(*forwarder, *unit);  // F7
    return std::move(*forwarder);
  }

  if (cgroup_known) {
    if (auto container = container_of_paths(cgroup_paths_for_containers(snapshot.cgroup_lines))) {
      return from_container(std::move(*container));
    }
  }

  const bool cgroup_has_service = unit && !is_session(unit) && !user_manager_uid(unit->name);
  if (auto manager = in_process_manager_of(snapshot, path, cgroup_has_service)) {
    if (unit) {
      manager->outer = unit->name;
      if (unit->uid) manager->uid = unit->uid;
    }
    return std::move(*manager);
  }

  if (auto holder = socket_unit_holder(snapshot, path)) return std::move(*holder);

  if (unit && !is_session(unit)) return from_unit(*unit);

  if (auto adhoc = adhoc_of(snapshot)) {
    if (unit) add_unit(*adhoc, *unit);  // the login session it was started from
    return std::move(*adhoc);
  }
  if (unit) {
    Service service = from_unit(*unit);
    service.notes.emplace_back("interactive");
    service.interactive = true;
    return service;
  }
  return Service{};
}

}  // namespace

Service attribute(const ProcessSnapshot& snapshot) {
  std::string partial;
  auto add_partial = [&](std::string_view why) {
    if (!partial.empty()) partial += ", ";
    partial += why;
  };

  const auto cgroup = cgroup_path_of(snapshot.cgroup_lines);
  const bool outside = cgroup && cgroup->outside_namespace;
  if (outside) add_partial("cgroup namespace");  // A3: the path is relative to another namespace's root
  if (!snapshot.environ_readable) add_partial("environ unreadable");

  const std::string path = cgroup && !outside ? cgroup->path : std::string{};
  const auto unit = path.empty() ? std::nullopt : systemd_unit_of(path);

  Service service = attribute_by_precedence(snapshot, path, unit, !outside);

  if (received_socket_from_systemd(snapshot)) {  // C2
    service.notes.emplace_back(kSocketHandedOverNote);
    service.socket_handed_over = true;
    if (unit && service.manager == ManagerKind::systemd)
      service.socket_unit = default_socket_unit(unit->name);
  }
  service.partial = std::move(partial);
  return service;
}

}  // namespace bindtrace
