// Cheap kernel probes that rule a hook tier out before a full trial. A full
// trial opens the object, parses the kernel's BTF, creates every map and
// loads every program (tens of ms) before the kernel says no; a probe asks
// the same question with one two-instruction program.
#pragma once

#include <optional>
#include <string>

namespace bindtrace {

// Whether the kernel refuses fentry/fexit programs outright (EPERM for a
// program without a target): answered without the kernel's BTF.
[[nodiscard]] bool tracing_programs_refused();

// Loads a minimal fexit program on inet_bind (after tracing_programs_refused()). Returns why the kernel refused
// it ("load refused: Operation not permitted"), or nullopt when it loaded
// (the full trial then decides). btf_path: external BTF, empty for the kernel's.
[[nodiscard]] std::optional<std::string> fentry_refused(const std::string& btf_path);

}  // namespace bindtrace
