// The command line: parsing (pure, unit-tested) and running. main.cpp only
// calls run_cli.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bindtrace/actions/options.hpp"
#include "bindtrace/owner.hpp"
#include "bindtrace/cli/port_sources.hpp"
#include "bindtrace/capture/tracer.hpp"

namespace bindtrace {

enum class Command { trace, info, who, check, agent, dump, unpin, audit };
enum class ColourMode { auto_, always, never };

struct CliRequest {
  Command command = Command::trace;
  TraceOptions trace;
  bool json = false;
  ColourMode colour = ColourMode::auto_;
  bool verbose = false;
  bool resolve_owner = true;              // --no-owner turns owner lookups off
  std::optional<OwnerSource> owner_path;  // --owner-path: force one resolution path
  // who / check: the ports named (a PORT without /proto means tcp and udp for who).
  std::vector<PortSpec> ports;
  std::vector<bool> ports_any_proto;  // parallel to ports: no /tcp or /udp was given
  std::string from_file;              // check --from
  // --exec, --act and the allow-lists (trace and agent).
  ActionOptions actions;
  // Where the agent pins its links and the flight recorder (agent, dump, unpin).
  std::string pin_dir = "/sys/fs/bpf/bindtrace";
  struct AgentArgs {
    std::string config_path;                     // --config; empty: built-in defaults
    std::optional<std::string> log_path;         // --log overrides [log] path
    std::optional<std::string> metrics_address;  // --metrics overrides [metrics] address
  } agent;
  struct DumpArgs {
    std::string log_path = "/var/log/bindtrace/events.jsonl";  // --log
    std::string since, until;                    // --since/--until as given; validated by dump
    bool recorder = true;                        // --no-recorder: the logs only
  } dump;
  struct AuditArgs {
    std::string root = "/";          // --root: a copy of the host's /etc, /usr/lib and homes
    std::vector<std::string> paths;  // extra files or directories
    std::vector<std::string> users;  // --user: whose units and quadlets (empty: every home)
    std::optional<bool> live;        // --live / --no-live; unset: live when auditing the host (/)
  } audit;
  // --help / --version: print this and exit 0.
  std::optional<std::string> early_output;
};

// args excludes argv[0]. Throws UsageError (exit 2) with one line.
[[nodiscard]] CliRequest parse_cli(const std::vector<std::string>& args);

// Parses, runs, prints errors as "bindtrace: <message>" and returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace bindtrace
