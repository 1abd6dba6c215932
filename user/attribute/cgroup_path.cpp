// A1-A3 of docs/attribution.md: the path systemd would use (0:: line, else the
// name=systemd hierarchy), and the paths container patterns are matched on.
#include "bindtrace/attribute/cgroup_path.hpp"

#include <algorithm>
#include <string_view>

#include "bindtrace/attribute.hpp"
#include "bindtrace/proc/proc_text.hpp"

namespace bindtrace {
namespace {

bool outside_namespace(std::string_view path) {
  return path == "/.." || path.starts_with("/../");
}

}  // namespace

std::optional<CgroupPath> cgroup_path_of(const std::vector<std::string>& cgroup_lines) {
  auto path = parse_cgroup_lines(cgroup_lines);
  if (!path) return std::nullopt;
  return CgroupPath{.path = *path, .outside_namespace = outside_namespace(*path)};
}

std::vector<std::string> cgroup_paths_for_containers(const std::vector<std::string>& cgroup_lines) {
  std::vector<std::string> unified;
  std::vector<std::string> legacy;
  for (const std::string& line : cgroup_lines) {
    // "hierarchy-ID:controller-list:path"; the path itself may contain ':'.
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string_view path = without_deleted_suffix(std::string_view(line).substr(second + 1));
    if (path.empty() || path == "/" || outside_namespace(path)) continue;
    const bool is_unified = line.compare(0, second + 1, "0::") == 0;
    (is_unified ? unified : legacy).emplace_back(path);
  }
  std::vector<std::string> paths;
  for (auto* list : {&unified, &legacy}) {
    for (std::string& path : *list) {
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(std::move(path));
    }
  }
  return paths;
}

}  // namespace bindtrace
