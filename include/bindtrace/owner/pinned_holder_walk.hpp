// The holder walk a running agent pins for fresh commands: `who` and `check`
// find the processes holding a socket by running it, with no BPF object to
// load (no BTF parse) and no /proc fd walk. Named with the ABI version, so a
// walk pinned by another build of bindtrace is never misread.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bindtrace/sockets.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

struct HolderWalkPins {
  std::string link;    // <dir>/holder_walk_abiN: the iter/task_file link
  std::string wanted;  // <dir>/holder_wanted_abiN: its wanted-inode map
};
[[nodiscard]] HolderWalkPins holder_walk_pins(const std::string& dir);

class PinnedHolderWalk {
 public:
  // The walk pinned under `dir`, or nullptr with `why_not`: "no agent pins in
  // DIR", "the agent's pins in DIR have no holder walk", "stale agent pins in
  // DIR (holder walk of ABI 3; this bindtrace reads ABI 4)", or the error of
  // opening them.
  [[nodiscard]] static std::unique_ptr<PinnedHolderWalk> open(const std::string& dir, std::string& why_not);

  // As SocketIterators::holders: pid, comm, fd and inode of each holder.
  [[nodiscard]] std::vector<Holder> holders(const std::set<std::uint64_t>& inodes);

 private:
  PinnedHolderWalk(UniqueFd link, UniqueFd wanted, std::uint32_t capacity)
      : link_(std::move(link)), wanted_(std::move(wanted)), capacity_(capacity) {}
  UniqueFd link_;
  UniqueFd wanted_;
  std::uint32_t capacity_;
};

}  // namespace bindtrace
