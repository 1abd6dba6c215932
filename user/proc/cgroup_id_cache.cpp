// cgroup id -> path by walking the cgroup2 tree (see cgroup_id_cache.hpp).
#include "bindtrace/proc/cgroup_id_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <vector>

#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

CgroupIdCache::CgroupIdCache(std::string cgroup2_root, std::chrono::milliseconds min_rewalk)
    : root_(cgroup2_root.empty() ? find_cgroup2_mount() : std::move(cgroup2_root)), min_rewalk_(min_rewalk) {}

std::optional<std::string> CgroupIdCache::path_of(std::uint64_t cgroup_id) {
  if (auto it = paths_.find(cgroup_id); it != paths_.end()) return it->second;
  const auto now = std::chrono::steady_clock::now();
  const bool known_missing = missing_.count(cgroup_id) != 0;
  if (known_missing && now - last_walk_ < min_rewalk_) return std::nullopt;
  walk();
  if (auto it = paths_.find(cgroup_id); it != paths_.end()) return it->second;
  if (missing_.size() > 4096) missing_.clear();
  missing_.insert(cgroup_id);
  return std::nullopt;
}

void CgroupIdCache::walk() {
  ++walks_;
  last_walk_ = std::chrono::steady_clock::now();
  if (root_.empty()) return;
  // Iterative depth-first walk with directory fds, so deep trees cost no recursion.
  struct Pending {
    UniqueFd fd;
    std::string path;
  };
  std::vector<Pending> stack;
  UniqueFd root(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return;
  struct stat st {};
  if (::fstat(root.get(), &st) == 0) paths_.insert_or_assign(st.st_ino, std::string(1, '/'));
  stack.push_back({std::move(root), ""});
  while (!stack.empty()) {
    Pending dir = std::move(stack.back());
    stack.pop_back();
    DIR* d = ::fdopendir(::dup(dir.fd.get()));
    if (!d) continue;
    while (dirent* entry = ::readdir(d)) {
      if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
      std::string path = dir.path;
      path += '/';
      path += entry->d_name;
      // cgroup2 directory inodes are the cgroup ids (kernfs node ids).
      paths_[entry->d_ino] = path;
      UniqueFd child(::openat(dir.fd.get(), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (child) stack.push_back({std::move(child), path});
    }
    ::closedir(d);
  }
}

}  // namespace bindtrace
