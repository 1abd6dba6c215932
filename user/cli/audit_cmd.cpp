// `bindtrace audit`: the ports configured services will both claim, found in
// their definitions before anything starts, and checked against what holds
// them now. Exit 0 none, 1 a conflict.
#include <unistd.h>

#include <cstdio>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/live_check.hpp"
#include "bindtrace/audit/report.hpp"
#include "bindtrace/audit/tree_walker.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "commands.hpp"

namespace bindtrace {
namespace {

// Every listening TCP and bound UDP socket of this network namespace with the
// processes holding it; a worker sharing its parent's socket is the parent's.
std::vector<LiveListener> live_listeners(const CliRequest& request, std::string& note) {
  ResolverOptions options = port_lookup_options(request);
  OwnerResolver resolver(options);
  std::vector<LiveListener> out;
  for (const Owner& owner : resolver.list_listeners()) {
    const SocketEntry& s = owner.sockets.front();
    for (const Holder& h : owner.holders) {
      if (h.role == HolderRole::worker) continue;
      out.push_back({s.proto, s.local_addr, s.local_port, h.pid, h.comm, h.cmdline, h.service});
    }
  }
  if (::geteuid() != 0) note = "not root: holders in other users' processes are not visible";
  return out;
}

}  // namespace

int run_audit(const CliRequest& request) {
  AuditInput input = read_definitions(request.audit.root, request.audit.paths, request.audit.users);
  const bool host = request.audit.root == "/";
  if (request.audit.live.value_or(host)) {
    input.live_checked = true;
    std::vector<PortDeclaration> running = join_live(input.declarations, live_listeners(request, input.live_note));
    for (PortDeclaration& d : running) input.declarations.push_back(std::move(d));
  } else {
    input.live_note = request.audit.live ? "--no-live" : "--root reads a copy, not this host (--live to check)";
  }
  const std::vector<AuditConflict> conflicts = find_conflicts(input.declarations);
  const std::string report =
      request.json ? audit_report_json(input, conflicts) : audit_report_text(input, conflicts);
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  return conflicts.empty() ? 0 : 1;
}

}  // namespace bindtrace
