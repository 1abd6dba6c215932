// G7/G8 of docs/attribution.md: heuristics for processes no manager claims: an
// orphan whose parent is gone, or one started with nohup. Used only when
// nothing else matched.
#pragma once

#include <optional>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// PPid 1, and neither a child pid namespace (NSpid has more than one level:
// its ppid 1 is that namespace's init) nor a parent known to be a subreaper.
[[nodiscard]] bool is_orphaned(const ProcessSnapshot& snapshot);

// SIGHUP ignored (SigIgn bit 0) and stdout going to nohup.out.
[[nodiscard]] bool started_with_nohup(const ProcessSnapshot& snapshot);

// manager "adhoc", name "pid N", notes "orphaned" / "nohup"; nullopt when neither applies.
[[nodiscard]] std::optional<Service> adhoc_of(const ProcessSnapshot& snapshot);

}  // namespace bindtrace
