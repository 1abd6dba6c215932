// Socket activation: who owns a port that systemd opened.
#include "bindtrace/attribute/socket_activation.hpp"

#include "attribute/path_parts.hpp"
#include "attribute/snapshot_queries.hpp"
#include "bindtrace/attribute/systemd_unit.hpp"

namespace bindtrace {
namespace {

using attribute_detail::env_of;
using attribute_detail::program_of;
using attribute_detail::split_path;

constexpr std::string_view kSocketActivationNote = "socket activation";

bool runs_systemd(const ProcessSnapshot& snapshot) {
  return snapshot.comm == "systemd" || program_of(snapshot) == "systemd";
}

}  // namespace

std::optional<Service> socket_unit_holder(const ProcessSnapshot& snapshot, std::string_view cgroup_path) {
  if (snapshot.pid == 1 && runs_systemd(snapshot)) {  // C1
    Service service;
    service.manager = ManagerKind::systemd;
    service.name = "a .socket unit of systemd (pid 1)";
    service.scope = "system";
    service.notes.emplace_back(kSocketActivationNote);
    service.socket_activation = true;
    return service;
  }
  if (!runs_systemd(snapshot)) return std::nullopt;
  // C3: the user manager runs in user@UID.service/init.scope.
  const auto parts = split_path(cgroup_path);
  if (parts.size() < 2 || parts.back() != "init.scope") return std::nullopt;
  const auto uid = user_manager_uid(parts[parts.size() - 2]);
  if (!uid) return std::nullopt;
  Service service;
  service.manager = ManagerKind::systemd;
  service.name = "a user .socket unit of systemd --user (pid " + std::to_string(snapshot.pid) + ")";
  service.scope = "user";
  service.uid = uid;
  service.outer = std::string(parts[parts.size() - 2]);
  service.notes.emplace_back(kSocketActivationNote);
  service.socket_activation = true;
  return service;
}

bool received_socket_from_systemd(const ProcessSnapshot& snapshot) {
  const std::string* listen_pid = env_of(snapshot, "LISTEN_PID");
  const std::string* listen_fds = env_of(snapshot, "LISTEN_FDS");
  if (!listen_pid || !listen_fds) return false;
  const auto pid = parse_number<std::uint32_t>(*listen_pid);
  const auto fds = parse_number<std::uint32_t>(*listen_fds);
  // A LISTEN_PID of another process is a stale, inherited variable.
  return pid && *pid == snapshot.pid && fds && *fds > 0;
}

std::string default_socket_unit(std::string_view service_unit) {
  constexpr std::string_view kService = ".service";
  if (!service_unit.ends_with(kService)) return {};
  return std::string(service_unit.substr(0, service_unit.size() - kService.size())) + ".socket";
}

}  // namespace bindtrace
