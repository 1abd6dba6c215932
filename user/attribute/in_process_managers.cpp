// In-process managers, each confirmed by the ancestor that runs it.
#include "bindtrace/attribute/in_process_managers.hpp"

#include <functional>

#include "attribute/path_parts.hpp"
#include "attribute/snapshot_queries.hpp"

namespace bindtrace {
namespace {

using attribute_detail::basename_of;
using attribute_detail::env_of;
using attribute_detail::program_of;
using attribute_detail::split_path;
using attribute_detail::split_words;

// How far the confirming evidence is: an ancestor's index, then the cgroup, then the environment alone.
struct Candidate {
  Service service;
  std::size_t distance = 0;
};

Service managed(ManagerKind manager, std::string name) {
  Service service;
  service.manager = manager;
  service.name = std::move(name);
  return service;
}

// Index of the nearest ancestor that satisfies `is`.
std::optional<std::size_t> nearest_ancestor(const ProcessSnapshot& snapshot,
                                            const std::function<bool(const Ancestor&)>& is) {
  for (std::size_t i = 0; i < snapshot.ancestors.size(); ++i) {
    if (is(snapshot.ancestors[i])) return i;
  }
  return std::nullopt;
}

// The first argument of an ancestor's command line ("runsv backend" -> "backend").
std::string first_argument(const Ancestor& ancestor) {
  const auto words = split_words(ancestor.cmdline);
  return words.size() > 1 ? words[1] : std::string{};
}

bool runs(const Ancestor& ancestor, std::string_view program) {
  return program_of(ancestor) == program || ancestor.comm == program;
}

// D1: supervisord is often "python3 /usr/bin/supervisord": look at the first two words.
bool is_supervisord(const Ancestor& ancestor) {
  if (runs(ancestor, "supervisord")) return true;
  const auto words = split_words(ancestor.cmdline);
  return words.size() > 1 && basename_of(words[1]) == "supervisord";
}

std::optional<Candidate> supervisor(const ProcessSnapshot& snapshot) {
  const auto at = nearest_ancestor(snapshot, is_supervisord);
  if (!at) return std::nullopt;
  const std::string* program = env_of(snapshot, "SUPERVISOR_PROCESS_NAME");
  const std::string* group = env_of(snapshot, "SUPERVISOR_GROUP_NAME");
  if (!program) {
    // Without the environment only the manager is known, not the program.
    if (snapshot.environ_readable) return std::nullopt;
    return Candidate{managed(ManagerKind::supervisor, ""), *at};
  }
  Service service =
      managed(ManagerKind::supervisor, group && !group->empty() ? *group + ":" + *program : *program);
  service.program = *program;
  service.group = group ? *group : "";
  return Candidate{std::move(service), *at};
}

// G1: pm2's God Daemon renames itself "PM2 v5.3.0: God Daemon (/root/.pm2)".
std::optional<Candidate> pm2(const ProcessSnapshot& snapshot) {
  const std::string* id = env_of(snapshot, "pm_id");
  const std::string* name = env_of(snapshot, "name");
  if (!id || !name) return std::nullopt;
  const auto at = nearest_ancestor(snapshot, [](const Ancestor& ancestor) {
    return ancestor.cmdline.starts_with("PM2 v") && ancestor.cmdline.find("God Daemon") != std::string::npos;
  });
  if (!at) return std::nullopt;
  Service service = managed(ManagerKind::pm2, *name);
  service.program = *name;
  service.notes.push_back("pm2 id " + *id);
  return Candidate{std::move(service), *at};
}

// G2 / G3: the supervising process names the service directory.
std::optional<Candidate> service_directory_supervisor(const ProcessSnapshot& snapshot,
                                                      std::string_view program, ManagerKind manager) {
  const auto at =
      nearest_ancestor(snapshot, [&](const Ancestor& ancestor) { return runs(ancestor, program); });
  if (!at) return std::nullopt;
  std::string name(basename_of(first_argument(snapshot.ancestors[*at])));
  if (name.empty()) return std::nullopt;
  return Candidate{managed(manager, std::move(name)), *at};
}

// G4: RC_SVCNAME, confirmed by supervise-daemon or the cgroup "/openrc.<svc>".
std::optional<Candidate> openrc(const ProcessSnapshot& snapshot, std::string_view cgroup_path,
                                bool cgroup_has_service) {
  if (auto found = service_directory_supervisor(snapshot, "supervise-daemon", ManagerKind::openrc))
    return found;
  constexpr std::string_view kPrefix = "openrc.";
  for (const std::string_view part : split_path(cgroup_path)) {
    if (part.starts_with(kPrefix) && part.size() > kPrefix.size()) {
      return Candidate{managed(ManagerKind::openrc, std::string(part.substr(kPrefix.size()))),
                       snapshot.ancestors.size()};
    }
  }
  const std::string* name = env_of(snapshot, "RC_SVCNAME");
  if (!name || name->empty() || cgroup_has_service) return std::nullopt;
  return Candidate{managed(ManagerKind::openrc, *name), snapshot.ancestors.size() + 1};
}

// G5: TMUX="<socket>,<server pid>,<session>", TMUX_PANE="%3"; or a tmux-spawn-<uuid>.scope cgroup.
std::optional<Candidate> tmux(const ProcessSnapshot& snapshot, std::string_view cgroup_path) {
  std::optional<Candidate> found;
  if (const std::string* value = env_of(snapshot, "TMUX")) {
    const std::size_t first = value->find(',');
    const std::size_t second = first == std::string::npos ? first : value->find(',', first + 1);
    if (second != std::string::npos) {
      const auto server = parse_number<std::uint32_t>(std::string_view(*value).substr(first + 1, second - first - 1));
      const auto at = nearest_ancestor(
          snapshot, [&](const Ancestor& ancestor) { return server && ancestor.pid == *server; });
      if (server && at)
        found = Candidate{managed(ManagerKind::tmux, "tmux server " + std::to_string(*server)), *at};
    }
  }
  if (!found) {
    for (const std::string_view part : split_path(cgroup_path)) {
      if (part.starts_with("tmux-spawn-") && part.ends_with(".scope")) {
        found = Candidate{managed(ManagerKind::tmux, "tmux"), snapshot.ancestors.size()};
      }
    }
  }
  if (found) {
    if (const std::string* pane = env_of(snapshot, "TMUX_PANE")) {
      found->service.notes.push_back("pane " + *pane);
      found->service.pane = *pane;
    }
  }
  return found;
}

// G6: STY="<pid>.<tty>.<host>"; the screen process with that pid is an ancestor.
std::optional<Candidate> screen(const ProcessSnapshot& snapshot) {
  const std::string* sty = env_of(snapshot, "STY");
  if (!sty) return std::nullopt;
  const auto session = parse_number<std::uint32_t>(std::string_view(*sty).substr(0, sty->find('.')));
  if (!session) return std::nullopt;
  const auto at =
      nearest_ancestor(snapshot, [&](const Ancestor& ancestor) { return ancestor.pid == *session; });
  if (!at) return std::nullopt;
  return Candidate{managed(ManagerKind::screen, "screen session " + std::to_string(*session)), *at};
}

}  // namespace

std::optional<Service> in_process_manager_of(const ProcessSnapshot& snapshot, std::string_view cgroup_path,
                                             bool cgroup_has_service) {
  std::optional<Candidate> best;
  auto consider = [&](std::optional<Candidate> candidate) {
    if (candidate && (!best || candidate->distance < best->distance)) best = std::move(candidate);
  };
  consider(supervisor(snapshot));
  consider(pm2(snapshot));
  consider(service_directory_supervisor(snapshot, "runsv", ManagerKind::runit));
  consider(service_directory_supervisor(snapshot, "s6-supervise", ManagerKind::s6));
  consider(openrc(snapshot, cgroup_path, cgroup_has_service));
  consider(tmux(snapshot, cgroup_path));
  consider(screen(snapshot));
  if (!best) return std::nullopt;
  return std::move(best->service);
}

}  // namespace bindtrace
