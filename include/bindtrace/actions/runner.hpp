// Actions on the event stream, after the owner worker: submit() hands events
// with an owner to a thread that plans (actions/policy.hpp), asks when it
// must, acts, checks the port by a trial bind and records the outcome on
// event.action; one action at a time, from a bounded queue (an event that
// finds it full is recorded as "skipped: busy"). Other events pass straight
// through. Hooks start for every event once it is delivered. Neither blocks
// the caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bindtrace/actions/hook.hpp"
#include "bindtrace/actions/options.hpp"
#include "bindtrace/actions/policy.hpp"
#include "bindtrace/events/events.hpp"

namespace bindtrace {

// Whether acting needs a person's yes first.
enum class Consent : std::uint8_t {
  given,        // --yes, or the agent (its configuration is the consent)
  ask,          // ask through ActionCallbacks::confirm before each action
  unavailable,  // no terminal to ask on: refuse ("no terminal to confirm (use --yes)")
};

struct ActionCallbacks {
  // Every event, with event.action set when an action was planned. Called
  // from the caller's thread or the action thread, never both at once.
  std::function<void(const Event&)> deliver;
  // A finished hook; called from hook threads, possibly at the same time.
  std::function<void(const HookResult&)> on_hook;
  // Consent::ask: the question ("stop pid 991 (python3) holding tcp
  // 0.0.0.0:8001? [y/N]", escaped); true means yes.
  std::function<bool(const std::string& question)> confirm;
};

struct ActionStats {
  // Actions by the first word of their result: "stopped", "killed",
  // "still-running", "refused", "dry-run", "rate-limited", "failed", "skipped".
  std::map<std::string, std::uint64_t> results;
  HookStats hooks;
};

class ActionRunner {
 public:
  ActionRunner(ActionOptions options, ActionCallbacks callbacks, Consent consent, std::size_t capacity = 64,
               std::string proc_root = "/proc");
  ~ActionRunner();  // acts on what is queued, waits for hooks, then joins
  ActionRunner(const ActionRunner&) = delete;
  ActionRunner& operator=(const ActionRunner&) = delete;

  void submit(Event event);
  // Returns once every event submitted so far was delivered and its hook finished.
  void drain();
  [[nodiscard]] ActionStats stats() const;

 private:
  void run();
  void act(Event& event);
  [[nodiscard]] PolicyContext context_for(const Event& event) const;
  void deliver(const Event& event);
  void count(const std::string& result);

  ActionOptions options_;
  ActionCallbacks callbacks_;
  Consent consent_;
  std::size_t capacity_;
  std::string proc_root_;
  std::uint32_t self_pid_;
  std::string self_exe_;
  RateLimiter limiter_;  // action thread only
  std::unique_ptr<HookRunner> hooks_;

  std::mutex deliver_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, idle_;
  std::deque<Event> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::map<std::string, std::uint64_t> results_;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace bindtrace
