// The capture's life cycle: a trial of one tier at a time (open -> configure
// autoload, .rodata and map sizes -> load -> attach), then polling, then
// destruction. The programs of each tier are in programs.cpp, the maps in
// maps.cpp, pinning and adoption in pins.cpp.
#include "bindtrace/capture/capture.hpp"

#include <bpf/libbpf.h>

#include <bpf/bpf.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

#include "bindtrace/abi.h"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/core_btf_cache.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/tier_probe.hpp"
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/unique_fd.hpp"
#include "capture.skel.h"
#include "capture/capture_state.hpp"
#include "capture/libbpf_log.hpp"
#include "bindtrace/capture/programs.hpp"

namespace bindtrace {


namespace {

std::span<const std::byte> capture_object() {
  std::size_t size = 0;
  const void* bytes = capture__elf_bytes(&size);
  return {static_cast<const std::byte*>(bytes), size};
}

}  // namespace

CaptureSession::CaptureSession(CaptureConfig config) : config_(std::move(config)) {
  install_libbpf_print();
  // CO-RE against the cached minimal BTF when this kernel and object have one.
  if (config_.btf_path.empty() && !config_.core_btf_dir.empty()) {
    std::string path = core_btf_path(config_.core_btf_dir, capture_object());
    if (::access(path.c_str(), R_OK) == 0) core_btf_ = std::move(path);
  }
}

CaptureSession::~CaptureSession() {
  if (starter_.joinable()) starter_.join();
  if (state_) {
    state_->ring.reset();
    state_->links.clear();
  }
}

bool CaptureSession::attached() const noexcept {
  return state_ && state_->ring;
}

// One load + attach of a tier variant with an index variant. On failure,
// `failed_program` names the program at fault when known.
TierTrial CaptureSession::attempt(Tier tier, const TierVariant& variant, const TierVariant& index,
                                  std::string& failed_program) {
  TierTrial trial;
  trial.tier = tier;
  trial.variant = variant.name;
  (void)take_last_warning();  // a fresh trial starts with no stale warning

  auto state = std::make_unique<State>();
  LIBBPF_OPTS(bpf_object_open_opts, open_opts);
  const bool cached_btf = config_.btf_path.empty() && !core_btf_.empty() && !core_btf_refused_;
  if (!config_.btf_path.empty()) open_opts.btf_custom_path = config_.btf_path.c_str();
  if (cached_btf) open_opts.btf_custom_path = core_btf_.c_str();
  state->skel.reset(capture__open_opts(&open_opts));
  if (!state->skel) {
    trial.stage = "open";
    trial.err = errno;
    trial.message = take_last_warning();
    return trial;
  }
  capture* skel = state->skel.get();

  std::vector<const char*> programs = variant.programs;
  programs.insert(programs.end(), index.programs.begin(), index.programs.end());
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) { bpf_program__set_autoload(prog, false); }
  for (const char* name : programs)
    if (bpf_program* p = bpf_object__find_program_by_name(skel->obj, name)) bpf_program__set_autoload(p, true);
  configure_rodata(*skel->rodata, config_);
  bpf_map__set_max_entries(skel->maps.events, config_.ringbuf_bytes);
  bpf_map__set_max_entries(skel->maps.recorder, config_.recorder_slots ? config_.recorder_slots : 1);
  if (tier != Tier::kprobe) bpf_map__set_max_entries(skel->maps.kprobe_args, 1);
  if (index.programs.empty()) bpf_map__set_max_entries(skel->maps.listeners, 1);

  if (int rc = capture__load(skel); rc != 0) {
    if (cached_btf) {
      // Is the cached BTF at fault (truncated, cut for another build)? Then
      // the same trial loads against the kernel's: drop the file, and cut a
      // new one after `attached`. Else the tier itself failed.
      core_btf_refused_ = true;
      TierTrial again = attempt(tier, variant, index, failed_program);
      if (again.ok || again.stage != "load")
        ::unlink(core_btf_.c_str());
      else
        core_btf_refused_ = false;
      return again;
    }
    trial.stage = "load";
    trial.err = -rc;
    trial.message = take_last_warning();
    failed_program = program_named_in(trial.message);
    return trial;
  }

  for (const char* name : programs) {
    bpf_program* p = bpf_object__find_program_by_name(skel->obj, name);
    bpf_link* link = p ? bpf_program__attach(p) : nullptr;
    if (!link) {
      trial.stage = std::string("attach ") + (p ? bpf_program__section_name(p) : name);
      trial.err = errno;
      trial.message = take_last_warning();
      failed_program = name;
      return trial;
    }
    state->links.emplace_back(link);
    state->link_names.emplace_back(name);
  }
  state->take_map_fds();
  if (config_.recorder_slots) {
    const bt_recorder_meta meta{0, config_.recorder_slots, BT_ABI_VERSION};
    const __u32 zero = 0;
    if (bpf_map_update_elem(state->recorder_meta_fd, &zero, &meta, BPF_ANY) != 0) {
      trial.stage = "recorder";
      trial.err = errno;
      trial.message = "cannot initialise the flight recorder";
      return trial;
    }
  }

  try {
    state->ring = std::make_unique<RingReader>(state->events_fd);
  } catch (const Error& e) {
    trial.stage = "ring buffer";
    trial.err = errno;
    trial.message = e.what();
    return trial;
  }
  state->tier = tier;
  state->has_index = !index.programs.empty();
  state->core_btf = cached_btf ? "cached minimal BTF " + core_btf_
                               : !config_.btf_path.empty() ? "--btf " + config_.btf_path : "the kernel's BTF";
  trial.ok = true;
  trial.index_hook = index.name;
  state_ = std::move(state);
  // libbpf parsed the kernel's BTF (megabytes) to relocate; give it back.
  if (!cached_btf) ::malloc_trim(0);
  return trial;
}

void CaptureSession::finish_start_in_background() {
  if (!attached() || starter_.joinable()) return;
  if (state_->adopted || !state_->has_index) mark_ready();  // nothing to walk
  starter_ = std::thread([this] {
    if (!state_->adopted && state_->has_index) {
      SeedResult result = seed();
      // Its load parsed the kernel's BTF (megabytes): give the heap back.
      ::malloc_trim(0);
      {
        std::lock_guard lock(start_mutex_);
        seed_result_ = std::move(result);
      }
      mark_ready();
    }
    if (config_.btf_path.empty() && !config_.core_btf_dir.empty() && (core_btf_.empty() || core_btf_refused_)) {
      std::string why_not = generate_core_btf(config_.core_btf_dir, capture_object());
      std::lock_guard lock(start_mutex_);
      core_btf_note_ = why_not.empty() ? "cut " + core_btf_path(config_.core_btf_dir, capture_object()) +
                                             " for the next start"
                                       : "no minimal BTF cached: " + why_not;
    }
  });
}

std::string CaptureSession::core_btf_used() const {
  return attached() ? state_->core_btf : std::string();
}

std::string CaptureSession::core_btf_note() const {
  std::lock_guard lock(start_mutex_);
  return core_btf_note_;
}

TierTrial CaptureSession::try_tier(Tier tier) {
  if (attached()) throw RuntimeError("capture is already attached");
  // Kprobes need the kprobe PMU or tracefs' kprobe_events; when the kernel has
  // neither (CONFIG_KPROBES=n), no load can succeed, so skip the costly trial.
  if (tier == Tier::kprobe && ::access("/sys/bus/event_source/devices/kprobe/type", F_OK) != 0 &&
      ::access("/sys/kernel/tracing/kprobe_events", F_OK) != 0 &&
      ::access("/sys/kernel/debug/tracing/kprobe_events", F_OK) != 0) {
    TierTrial trial;
    trial.tier = tier;
    trial.stage = "precondition";
    trial.err = ENOENT;
    trial.message = "the kernel has no kprobe support (no kprobe PMU, no kprobe_events; CONFIG_KPROBES=n)";
    return trial;
  }
  if (tier == Tier::fentry) {
    if (auto refused = fentry_refused(config_.btf_path)) {
      TierTrial trial;
      trial.tier = tier;
      trial.stage = "probe";
      trial.err = EPERM;
      trial.message = "a minimal fexit program on inet_bind: " + *refused;
      return trial;
    }
  }
  if (tier == Tier::tracepoint) {
    try {
      ensure_tracefs();
    } catch (const Error& e) {
      TierTrial trial;
      trial.tier = tier;
      trial.stage = "precondition";
      trial.message = e.what();
      return trial;
    }
  }
  TierTrial last;
  last.tier = tier;
  for (const TierVariant& variant : tier_variants(tier)) {
    std::string index_failure;
    for (const TierVariant& index : index_variants(tier)) {
      // tp_btf programs attach by the kernel's own BTF: without it (an
      // external --btf only serves CO-RE), they cannot load.
      if (std::string_view(index.name).starts_with("tp_btf") && !config_.btf_path.empty() &&
          ::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        index_failure = "the kernel has no BTF (/sys/kernel/btf/vmlinux) for tp_btf";
        continue;
      }
      std::string failed_program;
      TierTrial trial = attempt(tier, variant, index, failed_program);
      if (trial.ok) {
        if (!index_failure.empty()) trial.index_hook += ": " + index_failure;
        return trial;
      }
      last = trial;
      // Only the index's own failures are worth another attempt of this variant.
      if (!is_index_program(failed_program)) break;
      index_failure = describe_trial(trial);
    }
  }
  return last;
}

int CaptureSession::poll(int timeout_ms, const RecordHandler& handler) {
  if (!attached()) throw RuntimeError("capture is not attached");
  // Batched mode: producers do not wake us; the wait times out and the
  // reader drains what accumulated.
  return static_cast<int>(state_->ring->poll(timeout_ms, handler));
}

}  // namespace bindtrace

