// Pinning the capture under bpffs for the agent, and adopting what an earlier
// agent pinned: programs keep recording into the flight recorder while no
// agent runs, and a restarted agent takes them over instead of attaching twice.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/capture/recorder.hpp"
#include "capture/capture_state.hpp"
#include "bindtrace/capture/programs.hpp"

namespace bindtrace {
namespace {

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

std::uint32_t map_max_entries(int fd) {
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
  return info.max_entries;
}

// Step of adopt(): whether the pinned recorder's meta is readable and was
// written by programs of this ABI, with the configured number of slots.
bool pinned_meta_matches(int meta_fd, const CaptureConfig& config, std::string& why_not) {
  bt_recorder_meta meta{};
  const __u32 zero = 0;
  if (bpf_map_lookup_elem(meta_fd, &zero, &meta) != 0) {
    why_not = "the pinned recorder cannot be read";
    return false;
  }
  if (meta.abi_version != BT_ABI_VERSION) {
    why_not = "the pinned programs have ABI " + std::to_string(meta.abi_version) + ", this bindtrace " +
              std::to_string(BT_ABI_VERSION);
    return false;
  }
  if (meta.slots != config.recorder_slots) {
    why_not = "the pinned recorder has " + std::to_string(meta.slots) + " slots, the configuration asks for " +
              std::to_string(config.recorder_slots);
    return false;
  }
  return true;
}

// Step of adopt(): same filters? Compares the pinned .rodata with what this
// configuration would load (the excluded pid aside: it was the earlier
// agent's; events of this process are dropped in user space instead).
bool pinned_filters_match(int rodata_fd, const CaptureConfig& config, std::string& why_not) {
  SkeletonPtr probe(capture__open());
  if (!probe) {
    why_not = "cannot open the BPF object";
    return false;
  }
  configure_rodata(*probe->rodata, config);
  const __u32 zero = 0;
  std::size_t size = 0;
  const void* wanted = bpf_map__initial_value(probe->maps.rodata, &size);
  std::vector<std::uint8_t> pinned(size);
  if (!wanted || map_max_entries(rodata_fd) != 1 || bpf_map_lookup_elem(rodata_fd, &zero, pinned.data()) != 0) {
    why_not = "the pinned filters cannot be read";
    return false;
  }
  std::vector<std::uint8_t> mine(static_cast<const std::uint8_t*>(wanted), static_cast<const std::uint8_t*>(wanted) + size);
  const std::size_t self_at = reinterpret_cast<const std::uint8_t*>(&probe->rodata->cfg_self_tgid) -
                              reinterpret_cast<const std::uint8_t*>(probe->rodata);
  std::memcpy(mine.data() + self_at, pinned.data() + self_at, sizeof(probe->rodata->cfg_self_tgid));
  if (mine != pinned) {
    why_not = "the pinned programs were loaded with other filters";
    return false;
  }
  return true;
}

// Step of adopt(): opens the links pinned in dir (their program names and
// fds appended to names and fds); the capture tier they belong to, if any.
std::optional<Tier> open_pinned_links(const std::string& dir, std::vector<std::string>& names,
                                      std::vector<UniqueFd>& fds, bool& has_index) {
  std::optional<Tier> tier;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return tier;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (!name.starts_with(pin_names::link_prefix)) continue;
    UniqueFd link(bpf_obj_get(join(dir, name).c_str()));
    if (!link) continue;
    const std::string program = name.substr(std::strlen(pin_names::link_prefix));
    if (is_index_program(program)) has_index = true;
    if (auto t = tier_of_program(program)) tier = t;
    names.push_back(program);
    fds.push_back(std::move(link));
  }
  ::closedir(d);
  return tier;
}

}  // namespace

bool CaptureSession::adopted() const noexcept { return attached() && state_->adopted; }

void CaptureSession::pin(const std::string& dir) {
  if (!attached() || !state_->skel) throw RuntimeError("pin: the capture is not attached by this process");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw RuntimeError("cannot create " + dir + ": " + std::strerror(errno));
  capture* skel = state_->skel.get();
  const std::pair<bpf_map*, const char*> maps[] = {
      {skel->maps.events, pin_names::events},       {skel->maps.counters, pin_names::counters},
      {skel->maps.listeners, pin_names::listeners}, {skel->maps.recorder, pin_names::recorder},
      {skel->maps.rodata, pin_names::rodata},       {skel->maps.aggregates, pin_names::aggregates},
      {skel->maps.recorder_meta, pin_names::recorder_meta}};
  // Maps first, the meta map last of them: adopt() wants it as the sign that
  // the maps are complete; the links follow.
  for (const auto& [map, name] : maps) {
    const std::string path = join(dir, name);
    if (bpf_map__pin(map, path.c_str()) != 0)
      throw RuntimeError("cannot pin " + path + ": " + std::strerror(errno));
  }
  for (std::size_t i = 0; i < state_->links.size(); ++i) {
    const std::string path = join(dir, pin_names::link_prefix + state_->link_names[i]);
    if (bpf_link__pin(state_->links[i].get(), path.c_str()) != 0)
      throw RuntimeError("cannot pin " + path + ": " + std::strerror(errno));
  }
}

std::optional<TierTrial> CaptureSession::adopt(const std::string& dir, std::string& why_not) {
  if (attached()) throw RuntimeError("capture is already attached");
  auto open_pin = [&](const char* name) -> UniqueFd {
    return UniqueFd(bpf_obj_get(join(dir, name).c_str()));
  };
  UniqueFd meta_fd = open_pin(pin_names::recorder_meta);
  if (!meta_fd) {
    why_not = errno == ENOENT ? "nothing pinned in " + dir : "cannot open " + join(dir, pin_names::recorder_meta) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (!pinned_meta_matches(meta_fd.get(), config_, why_not)) return std::nullopt;
  UniqueFd events = open_pin(pin_names::events), counters = open_pin(pin_names::counters),
           listeners = open_pin(pin_names::listeners), recorder = open_pin(pin_names::recorder),
           rodata = open_pin(pin_names::rodata), aggregates = open_pin(pin_names::aggregates);
  if (!events || !counters || !listeners || !recorder || !rodata || !aggregates) {
    why_not = "the pins in " + dir + " are incomplete";
    return std::nullopt;
  }
  if (map_max_entries(events.get()) != config_.ringbuf_bytes) {
    why_not = "the pinned ring buffer has another size";
    return std::nullopt;
  }

  if (!pinned_filters_match(rodata.get(), config_, why_not)) return std::nullopt;

  auto state = std::make_unique<State>();
  const std::optional<Tier> tier =
      open_pinned_links(dir, state->link_names, state->pinned_fds, state->has_index);
  if (!tier) {
    why_not = "no capture program is pinned in " + dir;
    return std::nullopt;
  }
  state->events_fd = events.get();
  state->counters_fd = counters.get();
  state->listeners_fd = listeners.get();
  state->recorder_fd = recorder.get();
  state->recorder_meta_fd = meta_fd.get();
  state->aggregates_fd = aggregates.get();
  for (UniqueFd* fd : {&events, &counters, &listeners, &recorder, &meta_fd, &rodata, &aggregates})
    state->pinned_fds.push_back(std::move(*fd));
  try {
    state->ring = std::make_unique<RingReader>(state->events_fd);
  } catch (const Error& e) {
    why_not = std::string("cannot map the pinned ring buffer: ") + e.what();
    return std::nullopt;
  }
  state->tier = *tier;
  state->adopted = true;
  TierTrial trial;
  trial.tier = *tier;
  trial.variant = "adopted from " + dir;
  trial.ok = true;
  trial.index_hook = state->has_index ? "adopted" : "none: not pinned";
  state_ = std::move(state);
  return trial;
}

}  // namespace bindtrace
