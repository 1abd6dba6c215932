// Processes sharing one socket (see owner/shared_socket.hpp).
#include "bindtrace/owner/shared_socket.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include "bindtrace/name_table.hpp"

namespace bindtrace {
namespace {

constexpr NameTable<HolderRole, 3> kRoleNames{{{
    {HolderRole::sole, "sole"},
    {HolderRole::main, "main"},
    {HolderRole::worker, "worker"},
}}};

}  // namespace

std::string_view holder_role_name(HolderRole role) noexcept {
  return kRoleNames.name(role);
}

void order_holders_by_role(std::vector<Holder>& holders) {
  // Roles are per socket: a parent and a child holding different sockets
  // (`who` lists every listener's holders at once) share nothing.
  std::set<std::pair<std::uint64_t, std::uint32_t>> holding;  // (inode, pid)
  for (const Holder& h : holders) holding.emplace(h.inode, h.pid);
  auto parent_holds_it = [&](const Holder& h) {
    return h.ppid != 0 && h.ppid != h.pid && holding.contains({h.inode, h.ppid});
  };
  std::set<std::pair<std::uint64_t, std::uint32_t>> parents;
  for (const Holder& h : holders)
    if (parent_holds_it(h)) parents.emplace(h.inode, h.ppid);
  for (Holder& h : holders) {
    if (parent_holds_it(h))
      h.role = HolderRole::worker;
    else
      h.role = parents.contains({h.inode, h.pid}) ? HolderRole::main : HolderRole::sole;
  }
  std::stable_sort(holders.begin(), holders.end(), [](const Holder& a, const Holder& b) {
    const bool a_worker = a.role == HolderRole::worker;
    const bool b_worker = b.role == HolderRole::worker;
    if (a_worker != b_worker) return b_worker;
    return a.pid < b.pid;
  });
}

std::optional<std::vector<std::uint32_t>> cgroup_members(const std::string& cgroup2_root, std::string_view cgroup) {
  if (cgroup2_root.empty() || !cgroup.starts_with('/') || cgroup.find("/..") != std::string_view::npos)
    return std::nullopt;
  std::ifstream procs(cgroup2_root + std::string(cgroup) + "/cgroup.procs");
  if (!procs) return std::nullopt;
  std::vector<std::uint32_t> pids;
  for (std::uint32_t pid = 0; procs >> pid;) pids.push_back(pid);
  if (!procs.eof()) return std::nullopt;
  return pids;
}

}  // namespace bindtrace
