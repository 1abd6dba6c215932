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
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/tier_probe.hpp"
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/unique_fd.hpp"
#include "capture.skel.h"
#include "capture/capture_state.hpp"
#include "capture/libbpf_log.hpp"
#include "bindtrace/capture/programs.hpp"

namespace bindtrace {


CaptureSession::CaptureSession(CaptureConfig config) : config_(std::move(config)) {
  install_libbpf_print();
}

CaptureSession::~CaptureSession() {
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
  if (!config_.btf_path.empty()) open_opts.btf_custom_path = config_.btf_path.c_str();
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
    trial.stage = "load";
    trial.err = -rc;
    trial.message = take_last_warning();
    failed_program = program_named_in(trial.message);
    return trial;
  }

  for (const char* name : programs) {
    if (std::string_view(name) == "seed_listeners") continue;  // an iterator: run once, below
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
  if (state->has_index) state->seed = seed(*skel);
  trial.ok = true;
  trial.index_hook = index.name;
  state_ = std::move(state);
  // libbpf parsed the kernel's BTF (megabytes) to relocate; give it back.
  ::malloc_trim(0);
  return trial;
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
    for (const TierVariant& index : index_variants()) {
      // tp_btf and iter programs attach by the kernel's own BTF: without it
      // (an external --btf only serves CO-RE), only "none" can load.
      if (!index.programs.empty() && !config_.btf_path.empty() &&
          ::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        index_failure = "the kernel has no BTF (/sys/kernel/btf/vmlinux) for tp_btf and iterators";
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

