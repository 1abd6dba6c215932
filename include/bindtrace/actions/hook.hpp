// --exec CMD: a hook per event, run through /bin/sh -c with the event's JSON
// line on stdin and BINDTRACE_* variables in its environment. Values from
// traced processes are passed as data in the environment, never spliced into
// the command line. At most `concurrency` hooks run at once; an event that
// finds them all busy is skipped and counted. start() never blocks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/actions/command.hpp"
#include "bindtrace/events/events.hpp"

namespace bindtrace {

struct HookResult {
  std::string command;
  CommandResult run;  // how it ended, its output (at most 64 KiB), how long it took
  std::uint64_t event_seq = 0;
  std::int64_t event_time_ns = 0;  // the event's realtime_ns

  [[nodiscard]] bool failed() const noexcept { return !run.succeeded(); }
};

struct HookStats {
  std::uint64_t run = 0;        // finished, whatever the outcome
  std::uint64_t skipped = 0;    // not started: `concurrency` hooks were running
  std::uint64_t failed = 0;     // non-zero exit, killed by a signal, or could not start
  std::uint64_t timed_out = 0;  // killed after the timeout (also counted as failed)
};

// BINDTRACE_EVENT, _PROTO, _ADDR, _PORT, _ERROR, _PID, _COMM, _SERVICE,
// _OWNER_PID, _OWNER_COMM, _OWNER_SERVICE, _DIAGNOSIS, _ACTION (the action's
// result, when one was taken) as KEY=VALUE; a variable with no value is left out.
[[nodiscard]] std::vector<std::string> hook_environment(const Event& event);

// "hook exit 0 in 12 ms (event 5)" and the output, escaped for a terminal.
[[nodiscard]] std::string hook_result_to_text(const HookResult& result);

class HookRunner {
 public:
  using OnDone = std::function<void(const HookResult&)>;
  HookRunner(std::string command, std::chrono::milliseconds timeout, unsigned concurrency, OnDone on_done);
  ~HookRunner();  // waits for the hooks started (each is bounded by its timeout)
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Starts the hook for this event; false when it was skipped (all busy).
  bool start(const Event& event);
  // Returns once every hook started so far has finished.
  void drain();
  [[nodiscard]] HookStats stats() const;

 private:
  void work();

  std::string command_;
  std::chrono::milliseconds timeout_;
  unsigned concurrency_;
  OnDone on_done_;

  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Event> pending_;
  unsigned running_ = 0;
  bool stopping_ = false;
  HookStats stats_;
  std::vector<std::thread> workers_;  // last: start after everything above exists
};

}  // namespace bindtrace
