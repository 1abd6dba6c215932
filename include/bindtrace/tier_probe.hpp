// Cheap kernel probes that rule a hook tier out before a full trial. A full
// trial opens the object, parses the kernel's BTF, creates every map and
// loads every program (tens of ms) before the kernel says no; a probe asks
// the same question with one two-instruction program.
#pragma once

#include <optional>
#include <string>

namespace bindtrace {

// Loads a minimal fexit program on inet_bind. Returns why the kernel refused
// it ("load refused: Operation not permitted"), or nullopt when it loaded
// (the full trial then decides). btf_path: external BTF, empty for the kernel's.
[[nodiscard]] std::optional<std::string> fentry_refused(const std::string& btf_path);

}  // namespace bindtrace
