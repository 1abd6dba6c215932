// Ad hoc processes: what is left when no manager claims a process.
#include "bindtrace/attribute/adhoc.hpp"

#include <string_view>

namespace bindtrace {

bool is_orphaned(const ProcessSnapshot& snapshot) {
  return snapshot.ppid == 1 && snapshot.pid != 1 && snapshot.nspid.size() <= 1 &&
         !snapshot.parent_is_subreaper;
}

bool started_with_nohup(const ProcessSnapshot& snapshot) {
  constexpr std::uint64_t kSighupBit = 1u << 0;  // signal 1 is bit 0 of SigIgn
  return (snapshot.sig_ign & kSighupBit) != 0 &&
         std::string_view(snapshot.stdout_target).ends_with("nohup.out");
}

std::optional<Service> adhoc_of(const ProcessSnapshot& snapshot) {
  const bool orphaned = is_orphaned(snapshot);
  const bool nohup = started_with_nohup(snapshot);
  if (!orphaned && !nohup) return std::nullopt;
  Service service;
  service.manager = ManagerKind::adhoc;
  service.name = "pid " + std::to_string(snapshot.pid);
  if (orphaned) service.notes.emplace_back("orphaned");
  if (nohup) service.notes.emplace_back("nohup");
  service.orphaned = orphaned;
  service.nohup = nohup;
  return service;
}

}  // namespace bindtrace
