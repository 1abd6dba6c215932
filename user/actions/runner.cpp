// The action thread (see actions/runner.hpp).
#include "bindtrace/actions/runner.hpp"

#include <unistd.h>

#include <set>

#include "bindtrace/actions/stop_owner.hpp"
#include "bindtrace/actions/stop_unit.hpp"
#include "bindtrace/owner/alternatives.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/proc/proc_reader.hpp"

namespace bindtrace {
namespace {

using Clock = std::chrono::steady_clock;

// A manager's own stop can take its whole stop timeout; past this the
// command is killed and the action reported as failed.
constexpr std::chrono::seconds kUnitStopSlack{30};
// A socket closes as its last holder exits; a moment more is allowed for
// what a manager tears down after its stop command returns.
constexpr std::chrono::milliseconds kPortCheckWindow{1000};
constexpr std::chrono::milliseconds kPortCheckStep{50};

bool wants_action(const Event& event, const ActionOptions& options) {
  return options.act != ActKind::none && event.owner.has_value();
}

bool port_free_soon(const Event& event) {
  const auto deadline = Clock::now() + kPortCheckWindow;
  while (!endpoint_is_free(event)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPortCheckStep);
  }
  return true;
}

std::string endpoint_phrase(const Event& event) {
  return std::string(event.endpoint.family == Family::unix_ ? "unix" : proto_name(event.proto)) + " " +
         to_string(event.endpoint);
}

std::string question_for(const Plan& plan, const Event& event) {
  std::string what = "stop " + plan.target;
  if (plan.kind == ActKind::stop_unit) {
    what += " (";
    for (std::size_t i = 0; i < plan.command.size(); ++i) what += (i ? " " : "") + plan.command[i];
    what += ")";
  }
  return escape_for_terminal(what + " holding " + endpoint_phrase(event)) + "? [y/N] ";
}

}  // namespace

ActionRunner::ActionRunner(ActionOptions options, ActionCallbacks callbacks, Consent consent,
                           std::size_t capacity, std::string proc_root)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      consent_(consent),
      capacity_(capacity == 0 ? 1 : capacity),
      proc_root_(std::move(proc_root)),
      self_pid_(static_cast<std::uint32_t>(::getpid())),
      self_exe_(ProcReader("/proc").exe(self_pid_).value_or("")),
      limiter_(options_.rate_limit),
      hooks_(options_.exec.empty()
                 ? nullptr
                 : std::make_unique<HookRunner>(options_.exec, options_.hook_timeout,
                                                options_.hook_concurrency, callbacks_.on_hook)),
      thread_([this] { run(); }) {}

ActionRunner::~ActionRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  thread_.join();
  hooks_.reset();  // waits for the hooks still running
}

void ActionRunner::submit(Event event) {
  if (wants_action(event, options_)) {
    std::unique_lock lock(mutex_);
    if (queue_.size() < capacity_) {
      queue_.push_back(std::move(event));
      not_empty_.notify_one();
      return;
    }
    ++results_["skipped"];
    lock.unlock();
    ActionRecord record;
    record.kind = std::string(act_kind_name(options_.act));
    std::vector<StopTarget> targets;
    for (const Holder& h : event.owner->holders) targets.push_back(StopTarget{h.pid, h.start_time, h.comm});
    record.target = describe_targets(targets);
    record.result = "skipped: busy";
    event.action = std::move(record);
  }
  deliver(event);
}

void ActionRunner::drain() {
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }
  if (hooks_) hooks_->drain();
}

ActionStats ActionRunner::stats() const {
  ActionStats stats;
  {
    std::lock_guard lock(mutex_);
    stats.results = results_;
  }
  if (hooks_) stats.hooks = hooks_->stats();
  return stats;
}

void ActionRunner::deliver(const Event& event) {
  {
    std::lock_guard lock(deliver_mutex_);
    if (callbacks_.deliver) callbacks_.deliver(event);
  }
  if (hooks_) hooks_->start(event);
}

void ActionRunner::count(const std::string& result) {
  std::lock_guard lock(mutex_);
  ++results_[result.substr(0, result.find(':'))];
}

PolicyContext ActionRunner::context_for(const Event& event) const {
  PolicyContext context;
  context.self_pid = self_pid_;
  context.self_exe = self_exe_;
  context.now = Clock::now();
  // Each holding process read once, though it may hold several sockets.
  std::set<std::uint32_t> read;
  for (const Holder& h : event.owner->holders)
    if (read.insert(h.pid).second)
      if (auto facts = read_process_facts(h.pid, proc_root_)) context.facts.emplace(h.pid, std::move(*facts));
  if (options_.act == ActKind::stop_unit && !event.owner->holders.empty()) {
    const Holder& first = event.owner->holders.front();
    if (first.service && first.service->manager == ManagerKind::supervisor)
      if (const auto facts = context.facts.find(first.pid); facts != context.facts.end())
        context.supervisord_config = find_supervisord_config(facts->second, proc_root_);
  }
  return context;
}

void ActionRunner::act(Event& event) {
  const PolicyContext context = context_for(event);
  const Plan plan = plan_action(event, options_, context, limiter_);
  ActionRecord record;
  record.kind = std::string(act_kind_name(plan.kind));
  record.target = plan.target;
  auto finish = [&](std::string result) {
    record.result = std::move(result);
    count(record.result);
    event.action = std::move(record);
  };

  if (plan.rate_limited) return finish("rate-limited");
  if (!plan.go()) return finish("refused: " + plan.refusal);
  if (options_.dry_run) return finish("dry-run: " + describe_intent(plan));
  if (consent_ == Consent::unavailable) return finish("refused: no terminal to confirm (use --yes)");
  if (consent_ == Consent::ask) {
    const bool yes = callbacks_.confirm && callbacks_.confirm(question_for(plan, event));
    if (!yes) {
      limiter_.record(plan.rate_key, Clock::now());  // asked once per owner per window
      return finish("refused: not confirmed");
    }
  }

  limiter_.record(plan.rate_key, Clock::now());
  const StopOutcome outcome =
      plan.kind == ActKind::stop_unit
          ? run_unit_stop(plan.command, options_.grace + kUnitStopSlack)
          : stop_processes(plan.processes, options_.grace, std::chrono::seconds(5), proc_root_);
  record.signal = outcome.signal;
  record.elapsed_ms = outcome.elapsed_ms;
  const bool acted =
      outcome.result == "stopped" || outcome.result == "killed" || outcome.result == "still-running";
  if (acted) record.port_free_after = port_free_soon(event);
  finish(outcome.result);
}

void ActionRunner::run() {
  for (;;) {
    Event event;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      event = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    act(event);
    deliver(event);
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    idle_.notify_all();
  }
}

}  // namespace bindtrace
