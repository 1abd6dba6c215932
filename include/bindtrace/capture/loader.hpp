// Hook-tier choice by trial: fentry -> kprobe -> tracepoint -> raw. Only a real
// load + attach proves a tier; every failed trial is kept as
// {tier, stage, errno, libbpf message} for `bindtrace info` and for errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

struct TierTrial {
  Tier tier = Tier::fentry;
  std::string variant;  // programs tried, e.g. "tp_btf/sys_exit"
  bool ok = false;
  std::string stage;    // "precondition", "open", "load", "attach"
  int err = 0;          // positive errno
  std::string message;  // libbpf's last warning, or ours
  // The listener index's hook on success ("tp_btf/inet_sock_set_state", ...),
  // or "none: <reason>" when the tier runs without it.
  std::string index_hook;
};

// One sentence: "tier fentry: attach fexit/inet_bind failed: Operation not permitted (...)".
[[nodiscard]] std::string describe_trial(const TierTrial& trial);

// Tries one tier; tests replace it with a fake. A prober that returns ok keeps
// the tier attached.
class TierProber {
 public:
  virtual ~TierProber() = default;
  virtual TierTrial try_tier(Tier tier) = 0;
};

struct TierChoice {
  std::optional<Tier> chosen;
  std::vector<TierTrial> trials;  // in the order tried
};

// The preference order: kernel-function tiers first.
[[nodiscard]] const std::vector<Tier>& tier_order() noexcept;

// Tries tiers in order until one attaches; a forced tier is the only one tried.
[[nodiscard]] TierChoice choose_tier(TierProber& prober, std::optional<Tier> forced);

}  // namespace bindtrace
