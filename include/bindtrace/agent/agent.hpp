// `bindtrace agent`: always-on tracing for a fleet. Attaches (or adopts the
// programs an earlier agent pinned), drains what the flight recorder kept
// while no agent ran, then runs the pipeline tracer -> owner worker ->
// actions -> sinks (event log, journald, metrics) until stopped. SIGHUP
// reloads the configuration; a change to what the kernel filters re-attaches.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bindtrace/agent/config.hpp"

namespace bindtrace {

struct AgentStats {
  std::uint64_t events = 0;             // events handed to the sinks
  std::uint64_t recorder_drained = 0;   // of those, drained from the flight recorder at start
  std::uint64_t recorder_overwritten = 0;
  std::uint64_t duplicates = 0;         // ring-buffer events already drained from the recorder
  std::uint64_t reloads = 0;
  std::uint64_t reload_failures = 0;
  std::uint64_t reattaches = 0;
};

class Agent {
 public:
  // `reload` re-reads the configuration (file + command-line overrides) on SIGHUP.
  Agent(AgentConfig config, std::function<AgentConfig()> reload);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Runs until stop(); throws UnsupportedError / RuntimeError when it cannot start.
  void run();
  // Async-signal-safe.
  void stop() noexcept;
  void request_reload() noexcept;
  [[nodiscard]] AgentStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The highest "seq" among the last records of the log at `path` (then
// path.1), or 0; stops at the record of an agent that started a new recorder.
[[nodiscard]] std::uint64_t last_logged_seq(const std::string& path);

}  // namespace bindtrace
