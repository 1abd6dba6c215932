// diagnose(): one failure (with its owner and both sides' services) -> a
// code, a one-line summary and remedies a person can paste. A pure function:
// the rules (rules.cpp) run in the order docs/diagnosis.md lists, the first
// match wins; this adds the restart-loop flag from the failure history.
#include "bindtrace/diagnose/diagnose.hpp"

#include "diagnose/rules.hpp"
#include "diagnose/text.hpp"

namespace bindtrace {

Diagnosis diagnose(const Event& event, const DiagnosisContext& context) {
  Diagnosis d = diagnose_detail::diagnose_error(event, context);
  d.failures_in_window = context.failures_in_window;
  if (context.restart_loop_threshold > 0 && context.failures_in_window >= context.restart_loop_threshold) {
    d.restart_loop = true;
    d.summary += " (" + diagnose_detail::ordinal(context.failures_in_window) + " failure in " +
                 std::to_string(context.window.count()) + " s)";
  }
  return d;
}

}  // namespace bindtrace
