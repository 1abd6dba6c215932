// Who may be acted on, and when. Pure: the event, the
// operator's options, facts read from /proc beforehand and the rate limiter
// go in; a Plan comes out, either what to do or why it is refused.
//
// The rules, in order:
//  - the owner must be live processes: TIME_WAIT, gone, unknown owners and
//    port forwarders (stop-owner) are refused; socket activation is "pid 1";
//  - never pid 1, kernel threads, or bindtrace itself (its pid, or any
//    process running our executable);
//  - other users: an owner whose uid differs from the failing process's uid
//    belongs to someone else and is refused unless that uid is in
//    --allow-uid (so root's processes are safe from a user's failure);
//  - every holder must match the allow-list: --allow-comm (exact comm),
//    --allow-unit (the service's name, unit, program or container id),
//    --allow-uid, --allow-port (the event's port); an empty list allows nothing;
//  - one action per owner (pid + start time, or the service) per --rate-limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bindtrace/actions/options.hpp"
#include "bindtrace/actions/process_facts.hpp"
#include "bindtrace/actions/stop_owner.hpp"
#include "bindtrace/events/events.hpp"

namespace bindtrace {

// At most one action per key per window; remembers at most `capacity` keys.
class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit RateLimiter(std::chrono::milliseconds window, std::size_t capacity = 4096)
      : window_(window), capacity_(capacity) {}

  [[nodiscard]] bool allows(const std::string& key, TimePoint now) const;
  void record(const std::string& key, TimePoint now);

 private:
  std::chrono::milliseconds window_;
  std::size_t capacity_;
  std::map<std::string, TimePoint> last_;
};

struct PolicyContext {
  std::uint32_t self_pid = 0;
  std::string self_exe;  // /proc/self/exe target
  // Facts per holder pid, read just before planning; a pid missing here is gone.
  std::map<std::uint32_t, ProcessFacts> facts;
  std::string supervisord_config;  // stop-unit of a supervisor program: its -c ("" = default)
  RateLimiter::TimePoint now{};
};

struct Plan {
  ActKind kind = ActKind::none;
  std::string target;                 // "pid 991 (python3)", "supervisor program backend:backend"
  std::vector<StopTarget> processes;  // stop-owner: every process holding the conflicting socket(s)
  std::vector<std::string> command;   // stop-unit: the manager's command, no shell
  std::string rate_key;               // the owner, for the rate limiter
  std::string refusal;                // why not ("pid 1 (socket activation)"); empty: go
  bool rate_limited = false;

  [[nodiscard]] bool go() const noexcept { return refusal.empty() && !rate_limited; }
};

[[nodiscard]] Plan plan_action(const Event& event, const ActionOptions& options, const PolicyContext& context,
                               const RateLimiter& limiter);

// "pid 991 (python3)", and " and N more" for several.
[[nodiscard]] std::string describe_targets(const std::vector<StopTarget>& targets);

// What the plan would do, for --dry-run: "would send SIGTERM to pid 991
// (python3)", "would run supervisorctl -c /etc/x.conf stop backend:backend".
[[nodiscard]] std::string describe_intent(const Plan& plan);

// "stop-owner", "stop-unit".
[[nodiscard]] std::string_view act_kind_name(ActKind kind) noexcept;

}  // namespace bindtrace
