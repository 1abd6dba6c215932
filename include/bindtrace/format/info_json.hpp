// `info --json`: the kernel facts and every tier's trial as one JSON line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/loader.hpp"

namespace bindtrace {

// Keys in alphabetical order, at every level: auto, bpffs, btf, capabilities,
// cgroup2, kernel, lockdown, lockdown_blocks_tracing (when lockdown blocks
// tracing), tiers, tracefs. Ends in '\n'.
[[nodiscard]] std::string kernel_info_to_json_line(const KernelFacts& facts, const std::vector<TierTrial>& trials,
                                                   std::string_view chosen);

}  // namespace bindtrace
