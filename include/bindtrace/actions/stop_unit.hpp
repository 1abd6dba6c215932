// --act stop-unit: the stop command of the manager that started the owner
// (systemctl, supervisorctl, docker, podman, pm2), built from its Service
// (pure), and run without a shell. Managers with no such command are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/actions/process_facts.hpp"
#include "bindtrace/actions/stop_owner.hpp"
#include "bindtrace/attribute.hpp"

namespace bindtrace {

struct UnitCommand {
  std::vector<std::string> argv;  // empty when refused
  std::string refusal;            // "no manager command for tmux", ...
};

// systemd: systemctl stop UNIT (user scope: systemctl --user -M UID@ stop UNIT);
// supervisor: supervisorctl [-c CONF] stop GROUP:PROGRAM; docker/podman: stop
// ID; pm2: pm2 stop NAME. `supervisord_config` is the -c of the supervisord
// that runs the program ("" = supervisorctl's default search).
[[nodiscard]] UnitCommand unit_stop_command(const Service& service, const std::string& supervisord_config);

// The configuration file supervisord was started with (-c X, -cX,
// --configuration X, --configuration=X), made absolute against its working
// directory; "" when it was not given.
[[nodiscard]] std::string supervisord_config_from_argv(const std::vector<std::string>& argv,
                                                       const std::string& cwd);

// Walks up from `pid` to the nearest supervisord and returns its -c file;
// "" when none is found or it had none.
[[nodiscard]] std::string find_supervisord_config(std::uint32_t pid, const std::string& proc_root = "/proc");
// The same from a process already read: only its ancestors are read.
[[nodiscard]] std::string find_supervisord_config(const ProcessFacts& process,
                                                  const std::string& proc_root = "/proc");

// Runs the command; "stopped" when it exits 0, else "failed: systemctl not
// found", "failed: supervisorctl exit 1: backend: ERROR (no such process)".
[[nodiscard]] StopOutcome run_unit_stop(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

}  // namespace bindtrace
