// The managers' stop commands (see actions/stop_unit.hpp).
#include "bindtrace/actions/stop_unit.hpp"

#include <filesystem>

#include "attribute/path_parts.hpp"
#include "bindtrace/actions/command.hpp"
#include "bindtrace/actions/process_facts.hpp"

namespace bindtrace {
namespace {

using attribute_detail::basename_of;

// "supervisord ..." or "python3 /usr/bin/supervisord ...".
bool runs_supervisord(const std::vector<std::string>& argv) {
  return (!argv.empty() && basename_of(argv[0]) == "supervisord") ||
         (argv.size() > 1 && basename_of(argv[1]) == "supervisord");
}

// The first line of a command's output, for a one-line result.
std::string first_line(const std::string& output) {
  const std::size_t begin = output.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const std::size_t end = output.find_first_of("\r\n", begin);
  return output.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace

UnitCommand unit_stop_command(const Service& service, const std::string& supervisord_config) {
  const ManagerKind m = service.manager;
  const std::string name_of_manager(manager_name(m));
  if (m == ManagerKind::systemd) {
    if (service.unit.empty()) return {.refusal = "no systemd unit known"};
    if (service.scope == "session")
      return {.refusal = "the owner runs in a login session (" + service.unit + "); use --act stop-owner"};
    if (service.scope == "user") {
      if (!service.uid) return {.refusal = "the user manager's uid is not known"};
      return {.argv = {"systemctl", "--user", "--machine=" + std::to_string(*service.uid) + "@", "stop",
                       service.unit}};
    }
    return {.argv = {"systemctl", "stop", service.unit}};
  }
  if (m == ManagerKind::supervisor) {
    const std::string name = !service.group.empty() && !service.program.empty()
                                 ? service.group + ":" + service.program
                                 : service.name;
    if (name.empty()) return {.refusal = "the supervisor program is not known"};
    if (supervisord_config.empty()) return {.argv = {"supervisorctl", "stop", name}};
    return {.argv = {"supervisorctl", "-c", supervisord_config, "stop", name}};
  }
  if (m == ManagerKind::docker || m == ManagerKind::podman) {
    if (!service.outer.empty() && (service.scope == "system" || service.scope == "user")) {
      // A unit runs the container (attribution F7, E8-E10): stopping only the container does not last.
      return unit_stop_command(runner_unit(service), supervisord_config);
    }
    const std::string& id = service.container_id.empty() ? service.name : service.container_id;
    if (id.empty()) return {.refusal = "the container id is not known"};
    return {.argv = {name_of_manager, "stop", id}};
  }
  if (m == ManagerKind::pm2) {
    const std::string& name = service.program.empty() ? service.name : service.program;
    if (name.empty()) return {.refusal = "the pm2 app is not known"};
    return {.argv = {"pm2", "stop", name}};
  }
  return {.refusal = "no manager command for " + name_of_manager + " (use --act stop-owner)"};
}

std::string supervisord_config_from_argv(const std::vector<std::string>& argv, const std::string& cwd) {
  std::string config;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if ((a == "-c" || a == "--configuration") && i + 1 < argv.size())
      config = argv[++i];
    else if (a.starts_with("--configuration="))
      config = a.substr(16);
    else if (a.starts_with("-c") && a.size() > 2 && a[1] == 'c')
      config = a.substr(2);
  }
  if (config.empty() || config.front() == '/' || cwd.empty()) return config;
  return (std::filesystem::path(cwd) / config).lexically_normal().string();
}

std::string find_supervisord_config(const ProcessFacts& process, const std::string& proc_root) {
  constexpr int kMaxDepth = 64;
  std::optional<ProcessFacts> parent;
  const ProcessFacts* facts = &process;
  for (int depth = 0; depth < kMaxDepth && facts->pid > 1; ++depth) {
    if (runs_supervisord(facts->argv)) return supervisord_config_from_argv(facts->argv, facts->cwd);
    parent = read_process_facts(facts->ppid, proc_root);
    if (!parent) return {};
    facts = &*parent;
  }
  return {};
}

std::string find_supervisord_config(std::uint32_t pid, const std::string& proc_root) {
  const auto facts = read_process_facts(pid, proc_root);
  return facts ? find_supervisord_config(*facts, proc_root) : std::string{};
}

StopOutcome run_unit_stop(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandSpec spec;
  spec.argv = argv;
  spec.timeout = timeout;
  const CommandResult run = run_command(spec);
  StopOutcome outcome;
  outcome.elapsed_ms = run.elapsed_ms;
  if (run.succeeded()) {
    outcome.result = "stopped";
    return outcome;
  }
  outcome.result = "failed: " + argv.front() + " " + describe_command_end(run);
  if (const std::string said = first_line(run.output); !said.empty()) outcome.result += ": " + said;
  return outcome;
}

}  // namespace bindtrace
