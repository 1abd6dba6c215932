// Attribution: process -> service manager (docs/attribution.md). Pure
// functions over a ProcessSnapshot; the /proc reader that builds snapshots is
// separate (proc/snapshot_reader.hpp) and takes a root path for tests. The
// same snapshot serves the owner's holder details and the action policy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/attribute/manager_kind.hpp"

namespace bindtrace {

struct Ancestor {
  std::uint32_t pid = 0;
  std::string comm;
  std::string cmdline;  // space-joined
};

struct ProcessSnapshot {
  std::uint32_t pid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t uid = 0;
  std::string comm;
  std::vector<std::string> argv;
  std::vector<std::string> cgroup_lines;        // /proc/PID/cgroup, one entry per line
  std::map<std::string, std::string> environ;   // empty when unreadable
  bool environ_readable = true;                 // false: ptrace-read denied (degrade, report partial)
  std::vector<Ancestor> ancestors;              // parent first, up to pid 1
  std::uint64_t start_time = 0;
  std::vector<std::uint32_t> nspid;             // NSpid from /proc/PID/status (outermost first)
  std::uint64_t sig_ign = 0;                    // SigIgn mask
  std::string stdout_target;                    // readlink /proc/PID/fd/1
  std::string cmdline;                          // argv joined for display (join_cmdline)
  std::string exe;                              // readlink /proc/PID/exe ("" for kernel threads)
  std::string cwd;                              // readlink /proc/PID/cwd
  std::string cgroup;                           // the cgroup path of cgroup_lines ("" when none)
  std::uint64_t flags = 0;                      // /proc/PID/stat field 9 (PF_* task flags)
  bool exited = false;                          // a zombie: argv, environ, exe and cwd are gone
  bool parent_is_subreaper = false;             // the parent set PR_SET_CHILD_SUBREAPER (when known)
};

// What a person acts on: the `manager` (ManagerKind) and the `name` a person
// types to act on it.
struct Service {
  ManagerKind manager = ManagerKind::none;
  std::string name;
  std::string unit;          // systemd unit (display form, unescaped)
  std::string scope;         // "system" | "user" (systemd)
  std::string slice;
  std::optional<std::uint32_t> uid;  // user manager / session owner / rootless podman
  std::string user;          // the login name of `uid`, when known (filled outside attribute/)
  std::string program;       // supervisor program, pm2 app
  std::string group;         // supervisor group
  std::string container_id;  // full id
  std::string runtime;       // docker, containerd, cri-o, podman, lxc
  std::string pod_uid;
  std::string socket_unit;   // socket activation
  std::string outer;         // the unit wrapping a container or an in-process manager (for a container
                             // or its forwarder, unit/scope/slice/uid describe the same unit)
  std::string partial;       // why the view is incomplete ("cgroup namespace", "environ unreadable")
  std::vector<std::string> notes;  // "interactive", "orphaned", "nohup", "socket handed over by systemd", ...
  // What the matching rule found, for code to branch on. The notes say the same
  // to a person (they are part of the JSON contract); both are set together.
  bool forwarder = false;           // holds a port for a container (F1, F2, F4-F6)
  bool conmon = false;              // the podman/CRI-O container monitor (F3, E9)
  bool socket_activation = false;   // a systemd manager holds a .socket unit's socket (C1, C3)
  bool socket_handed_over = false;  // received its listening socket from systemd (C2)
  bool interactive = false;         // in a login session, no service of its own
  bool orphaned = false;            // reparented to init (G7)
  bool nohup = false;               // started under nohup (G8)
  std::string pane;                 // tmux pane ("%3"), when known
  bool operator==(const Service&) const = default;
};

// The cgroup v2 path of a snapshot (A1-A3: the 0:: line, else name=systemd;
// " (deleted)" stripped). `outside_namespace` is set for "/../" paths.
struct CgroupPath {
  std::string path;
  bool outside_namespace = false;
};
[[nodiscard]] std::optional<CgroupPath> cgroup_path_of(const std::vector<std::string>& cgroup_lines);

// A process that holds a port on a container's behalf: a forwarder or conmon.
[[nodiscard]] bool holds_port_for_container(const Service& service) noexcept;

// A process that already exited, from what the kernel recorded: its cgroup
// path, comm and uid. Reported with partial "process exited".
[[nodiscard]] Service attribute_exited_process(const std::string& cgroup_path, const std::string& comm,
                                               std::uint32_t uid);

// "systemd unit x.service", "supervisor program backend:backend (inside
// supervisor.service)", "docker container 7951fb549ab9"; empty for `none`.
[[nodiscard]] std::string describe_service(const Service& service);
// The unit around it, as describe_service ends: " (inside supervisor.service)",
// " (inside systemd user unit podman-qdrant.service, uid 1000 alice)"; empty without one.
[[nodiscard]] std::string describe_outer(const Service& service);
// The unit that runs a container (`outer`), as a systemd Service of its own:
// the container's scope, else user when the container is rootless.
[[nodiscard]] Service runner_unit(const Service& container);

// The whole rule set with its precedence (forwarder -> container ->
// in-process manager -> socket activation -> systemd unit -> heuristics).
[[nodiscard]] Service attribute(const ProcessSnapshot& snapshot);

}  // namespace bindtrace
