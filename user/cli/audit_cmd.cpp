// `bindtrace audit`: the ports configured services will both claim, found in
// their definitions before anything starts. Exit 0 none, 1 a conflict.
#include <cstdio>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/report.hpp"
#include "bindtrace/audit/tree_walker.hpp"
#include "commands.hpp"

namespace bindtrace {

int run_audit(const CliRequest& request) {
  const AuditInput input = read_definitions(request.audit.root, request.audit.paths);
  const std::vector<AuditConflict> conflicts = find_conflicts(input.declarations);
  const std::string report =
      request.json ? audit_report_json(input, conflicts) : audit_report_text(input, conflicts);
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  return conflicts.empty() ? 0 : 1;
}

}  // namespace bindtrace
