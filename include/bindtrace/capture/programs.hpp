// The BPF programs of each capture tier and of the listener index, by name:
// what a trial loads and attaches, and how a pinned link's program name maps
// back to its tier. The one table of tier <-> program names.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "bindtrace/events/kinds.hpp"

namespace bindtrace {

// The programs of each tier; a tier may have several variants, tried in order.
struct TierVariant {
  const char* name;
  std::vector<const char*> programs;
};

[[nodiscard]] const std::vector<TierVariant>& tier_variants(Tier tier);
// The listener index's hooks, tried with `tier` in order; the last ("none")
// has no programs: the tier still runs without the index.
[[nodiscard]] const std::vector<TierVariant>& index_variants(Tier tier);
[[nodiscard]] bool is_index_program(std::string_view name);
// The tier whose variants hold the program `name`; nullopt for the index's
// programs and unknown names.
[[nodiscard]] std::optional<Tier> tier_of_program(std::string_view name);

}  // namespace bindtrace
