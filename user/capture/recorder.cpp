// Reading the pinned flight recorder (agent start-up, dump) and removing the
// pins (`bindtrace unpin`). Plain bpf(2) calls on pinned objects: no skeleton.
#include "bindtrace/capture/recorder.hpp"

#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bindtrace/abi.h"
#include "bindtrace/events/clock.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

std::vector<Event> read_flight_recorder(const std::string& pin_dir, std::uint64_t after_seq,
                                        RecorderReadStats& stats) {
  std::vector<Event> events;
  const std::string meta_path = pin_dir + "/" + pin_names::recorder_meta;
  UniqueFd meta_fd(bpf_obj_get(meta_path.c_str()));
  if (!meta_fd) {
    stats.error = errno == ENOENT ? "no flight recorder pinned at " + pin_dir
                                  : "cannot open " + meta_path + ": " + std::strerror(errno);
    return events;
  }
  UniqueFd slots_fd(bpf_obj_get((pin_dir + "/" + pin_names::recorder).c_str()));
  bt_recorder_meta meta{};
  const __u32 zero = 0;
  if (!slots_fd || bpf_map_lookup_elem(meta_fd.get(), &zero, &meta) != 0) {
    stats.error = "cannot read the flight recorder at " + pin_dir + ": " + std::strerror(errno);
    return events;
  }
  stats.present = true;
  stats.head = meta.head;
  stats.slots = meta.slots;
  if (meta.abi_version != BT_ABI_VERSION) {
    stats.error = "the flight recorder at " + pin_dir + " was written with ABI " + std::to_string(meta.abi_version) +
                  "; this bindtrace reads ABI " + std::to_string(BT_ABI_VERSION);
    return events;
  }
  if (meta.slots == 0 || (meta.slots & (meta.slots - 1)) != 0) {
    stats.error = "the flight recorder at " + pin_dir + " has an invalid size";
    return events;
  }
  const std::uint64_t oldest_kept = meta.head > meta.slots ? meta.head - meta.slots + 1 : 1;
  const std::uint64_t first = std::max(after_seq + 1, oldest_kept);
  if (after_seq + 1 < oldest_kept) stats.overwritten = oldest_kept - (after_seq + 1);
  const std::int64_t offset = BootClock().to_realtime_ns(0);
  bt_event raw{};
  for (std::uint64_t seq = first; seq <= meta.head; ++seq) {
    const __u32 slot = static_cast<__u32>(seq & (meta.slots - 1));
    if (bpf_map_lookup_elem(slots_fd.get(), &slot, &raw) != 0) {
      ++stats.undecodable;
      continue;
    }
    if (raw.seq != seq) {  // overwritten since we read head, or still being written
      if (raw.seq > seq) ++stats.overwritten;
      else ++stats.undecodable;
      continue;
    }
    DecodeResult decoded = decode_event({reinterpret_cast<const std::uint8_t*>(&raw), sizeof(raw)}, offset);
    if (!decoded.event) {
      ++stats.undecodable;
      continue;
    }
    decoded.event->from_recorder = true;
    events.push_back(std::move(*decoded.event));
    ++stats.read;
  }
  return events;
}

std::size_t remove_pins(const std::string& pin_dir) {
  // Everything in the directory is unlinked: only ever a bindtrace directory
  // on bpffs, never another filesystem or the bpffs root others pin in.
  check_pin_dir("--pin-dir", pin_dir);
  DIR* d = ::opendir(pin_dir.c_str());
  if (!d) {
    if (errno == ENOENT) return 0;
    throw RuntimeError("cannot open " + pin_dir + ": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  // Links first: unpinning the last reference to a link detaches its program.
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return n.starts_with(pin_names::link_prefix); });
  std::size_t removed = 0;
  for (const std::string& name : names) {
    const std::string path = pin_dir + "/" + name;
    if (::unlink(path.c_str()) != 0) throw RuntimeError("cannot remove " + path + ": " + std::strerror(errno));
    ++removed;
  }
  if (::rmdir(pin_dir.c_str()) != 0 && errno != ENOENT)
    throw RuntimeError("cannot remove " + pin_dir + ": " + std::strerror(errno));
  return removed;
}

}  // namespace bindtrace
