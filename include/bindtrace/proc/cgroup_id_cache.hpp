// cgroup v2 id -> path (A4 of docs/attribution.md). On cgroup2 the id the kernel
// reports (bpf_get_current_cgroup_id) is the directory's inode number, so a
// walk of the cgroup2 mount maps ids to paths. Cached. The first miss of an
// id re-walks at once (systemd recreates a unit's cgroup, with a new id, on
// every restart); repeated misses of known-missing ids re-walk at most once
// per interval. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace bindtrace {

class CgroupIdCache {
 public:
  // cgroup2_root: where cgroup2 is mounted ("" = find it in /proc/self/mounts).
  explicit CgroupIdCache(std::string cgroup2_root = "",
                         std::chrono::milliseconds min_rewalk = std::chrono::milliseconds(500));

  // "/system.slice/x.service" (relative to the cgroup2 root); "/" for the root.
  [[nodiscard]] std::optional<std::string> path_of(std::uint64_t cgroup_id);
  [[nodiscard]] std::size_t size() const noexcept { return paths_.size(); }
  [[nodiscard]] std::uint64_t walks() const noexcept { return walks_; }

 private:
  void walk();

  std::string root_;
  std::chrono::milliseconds min_rewalk_;
  std::chrono::steady_clock::time_point last_walk_{};
  std::unordered_map<std::uint64_t, std::string> paths_;
  std::unordered_set<std::uint64_t> missing_;  // ids a walk did not find (bounded)
  std::uint64_t walks_ = 0;
};

}  // namespace bindtrace
