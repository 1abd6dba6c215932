// The diagnosis rules and their order (docs/diagnosis.md): the first rule
// that matches a failure names it. Private to user/diagnose/.
#pragma once

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace::diagnose_detail {

// The rules run in order over one failure; the restart-loop flag is diagnose()'s.
[[nodiscard]] Diagnosis diagnose_error(const Event& e, const DiagnosisContext& c);

}  // namespace bindtrace::diagnose_detail
