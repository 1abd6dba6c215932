// The audit's findings for a person (a table, conflicts first) or as one
// JSON object (docs/audit.md "Output").
#pragma once

#include <string>
#include <vector>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/tree_walker.hpp"

namespace bindtrace {

// {"conflicts":[...],"declarations":[...],"unreadable":[...]}, one line.
[[nodiscard]] std::string audit_report_json(const AuditInput& input,
                                            const std::vector<AuditConflict>& conflicts);

// Conflicts with their declarations and remedies, then every declaration by
// port; untrusted text escaped for a terminal.
[[nodiscard]] std::string audit_report_text(const AuditInput& input,
                                            const std::vector<AuditConflict>& conflicts);

}  // namespace bindtrace
