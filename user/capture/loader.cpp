// Tier choice by trial (see loader.hpp). Pure logic over a TierProber.
#include "bindtrace/capture/loader.hpp"

#include <cstring>

namespace bindtrace {

const std::vector<Tier>& tier_order() noexcept {
  static const std::vector<Tier> order = {Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw};
  return order;
}

TierChoice choose_tier(TierProber& prober, std::optional<Tier> forced) {
  TierChoice choice;
  const std::vector<Tier> only = forced ? std::vector<Tier>{*forced} : tier_order();
  for (Tier tier : only) {
    TierTrial trial = prober.try_tier(tier);
    trial.tier = tier;
    const bool ok = trial.ok;
    choice.trials.push_back(std::move(trial));
    if (ok) {
      choice.chosen = tier;
      break;
    }
  }
  return choice;
}

std::string describe_trial(const TierTrial& trial) {
  std::string text = "tier ";
  text += tier_name(trial.tier);
  if (trial.ok) {
    text += ": attached";
    if (!trial.variant.empty()) text += " (" + trial.variant + ")";
    return text;
  }
  text += ": " + (trial.stage.empty() ? std::string("trial") : trial.stage) + " failed";
  if (trial.err != 0) {
    text += ": ";
    text += std::strerror(trial.err);
  }
  if (!trial.message.empty()) text += " (" + trial.message + ")";
  return text;
}

}  // namespace bindtrace
