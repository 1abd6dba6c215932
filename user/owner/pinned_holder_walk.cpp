// Opening an agent's pinned holder walk, and telling why not.
#include "bindtrace/owner/pinned_holder_walk.hpp"

#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bindtrace/abi.h"
#include "bindtrace/owner/holder_walk.hpp"

namespace bindtrace {
namespace {

constexpr const char* kLinkStem = "holder_walk_abi";
constexpr const char* kWantedStem = "holder_wanted_abi";

// Why no walk of this ABI is pinned in `dir`, by what is there instead.
std::string why_absent(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return "no agent pins in " + dir;
  std::string other_abi;
  bool any = false;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    any = true;
    if (name.starts_with(kLinkStem)) other_abi = name.substr(std::strlen(kLinkStem));
  }
  ::closedir(d);
  if (!other_abi.empty())
    return "stale agent pins in " + dir + " (holder walk of ABI " + other_abi + "; this bindtrace reads ABI " +
           std::to_string(BT_ABI_VERSION) + ")";
  return any ? "the agent's pins in " + dir + " have no holder walk" : "no agent pins in " + dir;
}

}  // namespace

HolderWalkPins holder_walk_pins(const std::string& dir) {
  const std::string abi = std::to_string(BT_ABI_VERSION);
  return {dir + "/" + kLinkStem + abi, dir + "/" + kWantedStem + abi};
}

std::unique_ptr<PinnedHolderWalk> PinnedHolderWalk::open(const std::string& dir, std::string& why_not) {
  const HolderWalkPins pins = holder_walk_pins(dir);
  if (::access(pins.link.c_str(), F_OK) != 0 || ::access(pins.wanted.c_str(), F_OK) != 0) {
    why_not = why_absent(dir);
    return nullptr;
  }
  UniqueFd link(bpf_obj_get(pins.link.c_str()));
  UniqueFd wanted(bpf_obj_get(pins.wanted.c_str()));
  if (!link || !wanted) {
    why_not = "cannot open the agent's holder walk in " + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(wanted.get(), &info, &len) != 0 || info.key_size != sizeof(std::uint64_t) ||
      info.max_entries == 0) {
    why_not = "stale agent pins in " + dir + " (the wanted-inode map does not have 8-byte keys)";
    return nullptr;
  }
  return std::unique_ptr<PinnedHolderWalk>(new PinnedHolderWalk(std::move(link), std::move(wanted), info.max_entries));
}

std::vector<Holder> PinnedHolderWalk::holders(const std::set<std::uint64_t>& inodes) {
  return walk_holders(link_.get(), wanted_.get(), capacity_, inodes);
}

}  // namespace bindtrace
