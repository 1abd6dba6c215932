// The `bindtrace agent` configuration file (TOML; deploy/bindtrace.toml is
// the documented example). Every value goes through the same validators as
// the command line, and every rejection is one "FILE:LINE:COLUMN: message"
// line, so a typo never starts an agent that does something else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/actions/options.hpp"
#include "bindtrace/capture/capture.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/filter_spec.hpp"
#include "bindtrace/events/kinds.hpp"
#include "bindtrace/owner.hpp"

namespace bindtrace {

// A configuration file that cannot be read or is wrong (exit 2).
struct ConfigError : UsageError {
  explicit ConfigError(const std::string& message) : UsageError(message) {}
};

struct AgentConfig {
  std::string source;  // the file it came from ("" = built-in defaults)

  // [filter] ports, errno, comm, pid, cgroup, netns, all
  FilterSpec filter;

  // [owner] resolve, path ("auto" = nullopt)
  bool resolve_owner = true;
  std::optional<OwnerSource> owner_path;

  // [capture] ringbuf_size, batch, key_budget, attach ("auto" = nullopt)
  std::uint32_t ringbuf_bytes = 8u << 20;
  bool batched = false;
  std::uint32_t key_budget = CaptureConfig::kDefaultKeyBudget;
  std::optional<Tier> attach;

  struct Log {  // [log]
    std::string path = "/var/log/bindtrace/events.jsonl";
    std::uint64_t max_bytes = 64ull << 20;  // max_size: rotate beyond this
    unsigned keep = 5;                      // rotated files kept
    bool fsync = false;
    bool enabled = true;
  } log;

  // address: HOST:PORT as parse_listen_address (sinks/metrics_server.hpp)
  // takes it, port 1-65535; "off" means enabled = false.
  struct Metrics {  // [metrics]
    bool enabled = true;
    std::string address = "127.0.0.1:9464";
    unsigned max_series = 1000;
  } metrics;

  struct Journald {  // [journald]
    bool enabled = false;
  } journald;

  struct Recorder {  // [recorder]
    bool enabled = true;
    std::uint32_t slots = 4096;  // power of two, 64..65536
    std::string pin_dir = "/sys/fs/bpf/bindtrace";
  } recorder;

  // [actions] exec, exec_timeout, hook_concurrency, act, grace, allow_comm,
  // allow_unit, allow_uid, allow_port, rate_limit, dry_run
  ActionOptions actions;
};

// Parses TOML text; source_name prefixes every error. Throws ConfigError.
[[nodiscard]] AgentConfig parse_agent_config(std::string_view text, std::string_view source_name);

// Reads the file (ConfigError "PATH: cannot read: reason") and parses it.
[[nodiscard]] AgentConfig load_agent_config(const std::string& path);

}  // namespace bindtrace
