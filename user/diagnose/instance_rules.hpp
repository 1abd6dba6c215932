// The rules for another copy of the same program holding the port
// (docs/diagnosis.md, rules 9-11): an earlier instance left behind, the same
// program under two managers, or a second instance with another configuration.
// Private to user/diagnose/.
#pragma once

#include <optional>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace::diagnose_detail {

// Rules 9 (stale_instance) and 10 (duplicate_manager): a holder runs the same program.
[[nodiscard]] std::optional<Diagnosis> same_program_rules(const Event& e, const Owner& owner,
                                                          const DiagnosisContext& c);
// Rule 11 (second_instance): a holder runs the same program with another configuration.
[[nodiscard]] std::optional<Diagnosis> second_instance(const Event& e, const Owner& owner);

}  // namespace bindtrace::diagnose_detail
