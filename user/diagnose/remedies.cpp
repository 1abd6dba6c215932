// Remedies a person can paste (remedies.hpp).
#include "diagnose/remedies.hpp"

#include "attribute/path_parts.hpp"
#include "diagnose/phrases.hpp"
#include "diagnose/text.hpp"

namespace bindtrace::diagnose_detail {
namespace {

using attribute_detail::split_words;

std::string kill_command(std::uint32_t pid) {
  return "kill -TERM " + std::to_string(pid);
}

}  // namespace

// The command that stops the instance `pid` runs under `s` and keeps it from
// coming back, with a note; `port` names the published port for lookups.
std::string stop_remedy(const std::optional<Service>& service, std::uint32_t pid, std::uint16_t port,
                        std::string_view why) {
  if (!service || is_interactive(service)) {
    std::string where;
    if (service && service->manager == ManagerKind::tmux) {
      where = "it runs in " + service->name;
      if (!service->pane.empty()) where += ", pane " + service->pane;
    } else if (service && service->manager == ManagerKind::screen) {
      where = "it runs in " + service->name;
    }
    return with_note(kill_command(pid), join_notes(std::string(why), where));
  }
  const Service& s = *service;
  const ManagerKind m = s.manager;
  const std::string name(manager_name(m));
  if (m == ManagerKind::systemd) {
    if (s.name.ends_with(".service"))
      return with_note(systemctl(s) + "disable --now " + shell_quote(s.name), why);
    return with_note(systemctl(s) + "stop " + shell_quote(s.name), why);
  }
  if (m == ManagerKind::supervisor) {
    if (s.name.empty()) {
      return with_note("supervisorctl status",
                       join_notes(std::string(why), "find the program running pid " + std::to_string(pid)));
    }
    return with_note("supervisorctl stop " + shell_quote(s.name),
                     join_notes(std::string(why), "then remove its [program:" + supervisor_program(s) +
                                                      "] section and run supervisorctl update"));
  }
  if (m == ManagerKind::pm2) return with_note("pm2 delete " + shell_quote(s.name) + " && pm2 save", why);
  if (m == ManagerKind::runit)
    return with_note(
        "sv down " + shell_quote(s.name),
        join_notes(std::string(why), "remove its link from the service directory to keep it down"));
  if (m == ManagerKind::s6) return with_note("s6-svc -d " + shell_quote("/run/service/" + s.name), why);
  if (m == ManagerKind::openrc)
    return with_note("rc-service " + shell_quote(s.name) + " stop && rc-update del " + shell_quote(s.name),
                     why);
  if (!s.pod_uid.empty() || m == ManagerKind::kubernetes) {
    // The kubelet restarts what is killed under it: find the pod, change its spec.
    return with_note(
        "kubectl get pods -A -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,"
        "UID:.metadata.uid | grep " +
            shell_quote(s.pod_uid.empty() ? s.name : s.pod_uid),
        join_notes(std::string(why),
                   "the pod publishing the port: change its hostPort or expose it through a Service"));
  }
  if (m == ManagerKind::docker || m == ManagerKind::podman) {
    if (!s.outer.empty()) {
      // A unit (quadlet, compose unit) starts this container: stopping the container alone does not last.
      // stop, not disable: a quadlet's unit is generated and cannot be disabled.
      const std::string container = is_container_ref(s.name) ? name + " container " + s.name : "the container";
      return with_note(systemctl(runner_unit(s)) + "stop " + shell_quote(s.outer),
                       join_notes(std::string(why), "the unit that runs " + container));
    }
    std::string note(why);
    if (s.uid && *s.uid != 0) note = join_notes(note, "run it as uid " + std::to_string(*s.uid));
    if (!is_container_ref(s.name)) {
      if (m == ManagerKind::docker)
        return with_note("docker ps --filter publish=" + std::to_string(port),
                         join_notes(note, "find the container, then docker stop it"));
      return with_note("podman ps --format '{{.Names}} {{.Ports}}' | grep ':" + std::to_string(port) + "->'",
                       join_notes(note, "find the container, then podman stop it"));
    }
    return with_note(name + " stop " + shell_quote(s.name),
                     join_notes(note, "and drop its --restart policy or compose entry"));
  }
  if (m == ManagerKind::cri_o || m == ManagerKind::containerd)
    return with_note("crictl stop " + shell_quote(s.container_id.empty() ? s.name : s.container_id), why);
  if (m == ManagerKind::lxc) return with_note("lxc-stop -n " + shell_quote(s.name), why);
  return with_note(kill_command(pid), why);
}

namespace {

// `systemctl restart X.service` or `systemctl reload X.service`, in each manager's words.
std::optional<std::string> manager_command(const Service& s, bool reload) {
  const ManagerKind m = s.manager;
  const std::string name = shell_quote(s.name);
  const std::string verb = reload ? "reload" : "restart";
  if (m == ManagerKind::systemd && s.name.ends_with(".service")) return systemctl(s) + verb + " " + name;
  if (m == ManagerKind::supervisor && !s.name.empty())
    return std::string("supervisorctl ") + (reload ? "signal HUP " : "restart ") + name;
  if (m == ManagerKind::pm2) return "pm2 " + verb + " " + name;
  if ((m == ManagerKind::docker || m == ManagerKind::podman) && is_container_ref(s.name))
    return std::string(manager_name(m)) + (reload ? " kill -s HUP " : " restart ") + name;
  if (m == ManagerKind::runit) return "sv " + verb + " " + name;
  if (m == ManagerKind::s6 && reload) return "s6-svc -h " + shell_quote("/run/service/" + s.name);
  if (m == ManagerKind::openrc) return "rc-service " + name + " " + verb;
  return std::nullopt;
}

}  // namespace

// The command that restarts the managed copy, for someone who started a second one by hand.
std::optional<std::string> restart_command(const Service& s) {
  return manager_command(s, false);
}

// The command that makes the managed instance re-read its configuration.
std::optional<std::string> reload_command(const Service& s) {
  return manager_command(s, true);
}

// "port 8002 is free: use it instead", the first alternative at or above `at_least`.
std::optional<std::string> free_port_remedy(const Event& e, std::uint32_t at_least) {
  for (const std::uint16_t port : e.alternatives) {
    if (port >= at_least) return "port " + std::to_string(port) + " is free: use it instead";
  }
  return std::nullopt;
}

// The failing side is a container's port forwarder: its "-container-port" argument.
std::string container_port_of(const Event& e) {
  const auto argv = split_words(e.process.cmdline);
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-container-port" || argv[i] == "--container-port") return argv[i + 1];
  }
  return std::to_string(e.endpoint.port);
}

bool failing_is_container(const Event& e) {
  return e.process.service && is_container_manager(e.process.service->manager);
}

std::string publish_flag(const Event& e, std::string_view container_port) {
  const std::string host = !e.alternatives.empty() ? std::to_string(e.alternatives.front()) : "<free port>";
  return "(-p " + host + ":" + std::string(container_port) + ")";
}

std::optional<std::string> remap_remedy(const Event& e) {
  if (!failing_is_container(e)) return std::nullopt;
  return "publish the container on another host port instead " + publish_flag(e, container_port_of(e));
}

}  // namespace bindtrace::diagnose_detail
