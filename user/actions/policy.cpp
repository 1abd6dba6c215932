// The action policy (see actions/policy.hpp).
#include "bindtrace/actions/policy.hpp"

#include <algorithm>

#include "bindtrace/actions/stop_unit.hpp"

namespace bindtrace {
namespace {

template <typename T>
bool contains(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool allow_list_empty(const ActionOptions& o) {
  return o.allow_comm.empty() && o.allow_unit.empty() && o.allow_uid.empty() && o.allow_port.empty();
}

bool unit_matches(const std::optional<Service>& service, const std::string& wanted) {
  if (!service || service->manager == ManagerKind::none) return false;
  const Service& s = *service;
  return wanted == s.name || wanted == s.unit || wanted == s.program || wanted == s.container_id ||
         (!s.group.empty() && wanted == s.group + ":" + s.program);
}

bool allowed(const Holder& holder, const ProcessFacts& facts, const Event& event, const ActionOptions& o) {
  if (contains(o.allow_comm, facts.comm) || contains(o.allow_uid, facts.uid)) return true;
  if (event.endpoint.has_port() && contains(o.allow_port, event.endpoint.port)) return true;
  return std::any_of(o.allow_unit.begin(), o.allow_unit.end(),
                     [&](const std::string& unit) { return unit_matches(holder.service, unit); });
}

std::string who(std::uint32_t pid, const std::string& comm) {
  return describe_targets({StopTarget{pid, 0, comm}});
}

// Why this holder may not be acted on; empty when it may.
std::string holder_refusal(const Holder& h, const Event& event, const ActionOptions& o,
                           const PolicyContext& c) {
  if (h.pid == 1) return "pid 1";
  if (h.pid == c.self_pid) return who(h.pid, h.comm) + " is bindtrace itself";
  const auto it = c.facts.find(h.pid);
  if (it == c.facts.end()) return who(h.pid, h.comm) + " is gone";
  const ProcessFacts& f = it->second;
  if (h.start_time != 0 && f.start_time != h.start_time)
    return who(h.pid, h.comm) + " is another process now (pid reused)";
  if (is_kernel_thread(f)) return who(h.pid, f.comm) + " is a kernel thread";
  if (!c.self_exe.empty() && f.exe == c.self_exe) return who(h.pid, f.comm) + " is bindtrace";
  if (f.uid != event.process.uid && !contains(o.allow_uid, f.uid))
    return who(h.pid, f.comm) + " belongs to uid " + std::to_string(f.uid) +
           ", not to the failing process's uid " + std::to_string(event.process.uid) + " (--allow-uid " +
           std::to_string(f.uid) + " allows it)";
  if (allow_list_empty(o)) return "no --allow-comm, --allow-unit, --allow-uid or --allow-port given";
  if (!allowed(h, f, event, o)) return who(h.pid, f.comm) + " matches no --allow-* entry";
  return {};
}

// One entry per process: a process holding a v4 and a v6 socket is listed twice.
std::vector<Holder> distinct_holders(const Owner& owner) {
  std::vector<Holder> holders;
  for (const Holder& h : owner.holders)
    if (std::none_of(holders.begin(), holders.end(), [&](const Holder& x) { return x.pid == h.pid; }))
      holders.push_back(h);
  return holders;
}

// Owners that are not processes bindtrace may stop; empty when the kind is fine.
std::string kind_refusal(const Owner& owner, ActKind act) {
  switch (owner.kind) {
    case OwnerKind::time_wait:
      return "TIME_WAIT sockets belong to the kernel, not to a process";
    case OwnerKind::gone:
      return "the owner is gone";
    case OwnerKind::unknown:
      return "the owner is not known";
    case OwnerKind::socket_activation:
      return "pid 1 (socket activation)";
    case OwnerKind::forwarder:
      return act == ActKind::stop_owner
                 ? "the owner is a port forwarder; stop what it forwards to (--act stop-unit)"
                 : std::string();
    case OwnerKind::process:
      return {};
  }
  return "the owner is not known";
}

}  // namespace

bool RateLimiter::allows(const std::string& key, TimePoint now) const {
  const auto it = last_.find(key);
  return it == last_.end() || now - it->second >= window_;
}

void RateLimiter::record(const std::string& key, TimePoint now) {
  if (last_.size() >= capacity_)
    std::erase_if(last_, [&](const auto& entry) { return now - entry.second >= window_; });
  if (last_.size() >= capacity_)
    last_.erase(std::min_element(last_.begin(), last_.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; }));
  last_[key] = now;
}

std::string_view act_kind_name(ActKind kind) noexcept {
  switch (kind) {
    case ActKind::stop_owner:
      return "stop-owner";
    case ActKind::stop_unit:
      return "stop-unit";
    case ActKind::none:
      break;
  }
  return "none";
}

std::string describe_targets(const std::vector<StopTarget>& targets) {
  if (targets.empty()) return "no process";
  std::string text = "pid " + std::to_string(targets.front().pid) + " (" + targets.front().comm + ")";
  if (targets.size() > 1) text += " and " + std::to_string(targets.size() - 1) + " more";
  return text;
}

std::string describe_intent(const Plan& plan) {
  if (plan.kind == ActKind::stop_unit) {
    std::string line = "would run";
    for (const auto& word : plan.command) line += " " + word;
    return line;
  }
  return "would send SIGTERM to " + plan.target;
}

Plan plan_action(const Event& event, const ActionOptions& options, const PolicyContext& context,
                 const RateLimiter& limiter) {
  Plan plan;
  plan.kind = options.act;
  if (options.act == ActKind::none) {
    plan.refusal = "no action asked";
    return plan;
  }
  if (!event.owner) {
    plan.refusal = "no owner";
    return plan;
  }
  const Owner& owner = *event.owner;
  const std::vector<Holder> holders = distinct_holders(owner);
  for (const Holder& h : holders) plan.processes.push_back(StopTarget{h.pid, h.start_time, h.comm});
  plan.target = owner.kind == OwnerKind::socket_activation && holders.empty()
                    ? "pid 1"
                    : describe_targets(plan.processes);
  if (plan.refusal = kind_refusal(owner, options.act); !plan.refusal.empty()) return plan;
  if (holders.empty()) {
    plan.refusal = "no process holds the socket";
    return plan;
  }

  if (options.act == ActKind::stop_unit) {
    const std::optional<Service>& service = holders.front().service;
    if (!service || service->manager == ManagerKind::none) {
      plan.refusal = "no manager is known for " + plan.target;
      return plan;
    }
    for (const Holder& h : holders)
      if (!h.service || h.service->name != service->name || h.service->manager != service->manager) {
        plan.refusal = "the holders belong to different services";
        return plan;
      }
    plan.target = describe_service(*service);
    plan.rate_key = "unit " + std::string(manager_name(service->manager)) + " " + service->name;
  } else {
    plan.rate_key =
        "pid " + std::to_string(holders.front().pid) + " " + std::to_string(holders.front().start_time);
  }
  if (!limiter.allows(plan.rate_key, context.now)) {
    plan.rate_limited = true;
    return plan;
  }
  for (const Holder& h : holders)
    if (plan.refusal = holder_refusal(h, event, options, context); !plan.refusal.empty()) return plan;

  if (options.act == ActKind::stop_unit) {
    UnitCommand command = unit_stop_command(*holders.front().service, context.supervisord_config);
    plan.refusal = std::move(command.refusal);
    plan.command = std::move(command.argv);
  }
  return plan;
}

}  // namespace bindtrace
