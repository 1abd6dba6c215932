// libbpf life cycle for the capture object: open -> configure (autoload,
// .rodata, map sizes) -> load -> attach -> poll -> destroy, one tier at a time.
#include "bindtrace/capture/capture.hpp"

#include <bpf/libbpf.h>

#include <bpf/bpf.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "bindtrace/abi.h"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/tier_probe.hpp"
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/unique_fd.hpp"
#include "capture.skel.h"
#include "capture/capture_state.hpp"

namespace bindtrace {

// The programs of each tier; a tier may have several variants, tried in order.
struct TierVariant {
  const char* name;
  std::vector<const char*> programs;
};

namespace {

const std::vector<TierVariant>& tier_variants(Tier tier) {
  static const std::vector<TierVariant> fentry = {
      {"fexit/inet_bind,inet6_bind,unix_bind,inet_listen,inet_{stream,dgram}_connect",
       {"fexit_inet_bind", "fexit_inet6_bind", "fexit_unix_bind", "fexit_inet_listen",
        "fexit_inet_stream_connect", "fexit_inet_dgram_connect"}}};
  static const std::vector<TierVariant> kprobe = {
      {"kprobe+kretprobe/inet_bind,inet6_bind,unix_bind,inet_listen,inet_{stream,dgram}_connect",
       {"kprobe_inet_bind", "kretprobe_inet_bind", "kprobe_inet6_bind", "kretprobe_inet6_bind",
        "kprobe_unix_bind", "kretprobe_unix_bind", "kprobe_inet_listen", "kretprobe_inet_listen",
        "kprobe_inet_stream_connect", "kretprobe_inet_stream_connect", "kprobe_inet_dgram_connect",
        "kretprobe_inet_dgram_connect"}}};
  static const std::vector<TierVariant> tracepoint = {
      {"tracepoint/syscalls/sys_exit_{bind,listen,connect}",
       {"tp_exit_bind", "tp_exit_listen", "tp_exit_connect"}}};
  static const std::vector<TierVariant> raw = {{"tp_btf/sys_exit", {"raw_btf_sys_exit"}},
                                               {"raw_tp/sys_exit", {"raw_tp_sys_exit"}}};
  switch (tier) {
    case Tier::fentry:
      return fentry;
    case Tier::kprobe:
      return kprobe;
    case Tier::tracepoint:
      return tracepoint;
    case Tier::raw:
      return raw;
  }
  return raw;
}

// libbpf reports through a global callback: keep the last warning so a failed
// trial can say why, and echo everything under -v.
std::mutex g_log_mutex;
std::string g_last_warning;
bool g_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  char line[1024];  // enough for a one-line warning; the verifier log goes to stderr whole
  va_list copy;
  va_copy(copy, args);
  std::vsnprintf(line, sizeof(line), format, copy);
  va_end(copy);
  std::lock_guard lock(g_log_mutex);
  if (g_verbose) std::vfprintf(stderr, format, args);
  // Keep the most specific warning: the first one naming a program, else the latest.
  const bool have_program = g_last_warning.find("prog '") != std::string::npos;
  if (level <= LIBBPF_WARN && !have_program) {
    g_last_warning = line;
    while (!g_last_warning.empty() && (g_last_warning.back() == '\n' || g_last_warning.back() == ' '))
      g_last_warning.pop_back();
  }
  return 0;
}

void install_libbpf_print() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

std::string take_last_warning() {
  std::lock_guard lock(g_log_mutex);
  return std::exchange(g_last_warning, {});
}

}  // namespace

void configure_rodata(capture::capture__rodata& ro, const CaptureConfig& config) {
  const FilterSpec& f = config.filter;
  ro.cfg_self_tgid = config.self_tgid;
  ro.cfg_pid = f.pid;
  ro.cfg_cgroup_id = f.cgroup_id;
  ro.cfg_cgroup_level = f.cgroup_level;
  ro.cfg_netns = f.netns;
  std::memset(ro.cfg_comm, 0, sizeof(ro.cfg_comm));
  std::memcpy(ro.cfg_comm, f.comm.data(), std::min(f.comm.size(), sizeof(ro.cfg_comm) - 1));
  ro.cfg_comm_len = static_cast<__u32>(std::min(f.comm.size(), sizeof(ro.cfg_comm) - 1));
  ro.cfg_all_binds = f.all_binds ? 1 : 0;
  ro.cfg_no_wakeup = config.batched ? 1 : 0;
  ro.cfg_errno_filter = f.has_errno_filter() ? 1 : 0;
  for (std::size_t e = 0; e < f.errnos.size(); ++e)
    if (f.errnos.test(e)) ro.cfg_errno_mask[e / 64] |= 1ULL << (e % 64);
  ro.cfg_port_filter = f.has_port_filter() ? 1 : 0;
  for (std::size_t p = 0; p < f.ports.size(); ++p)
    if (f.ports.test(p)) ro.cfg_ports[p / 64] |= 1ULL << (p % 64);
  ro.cfg_recorder_slots = config.recorder_slots;
  ro.cfg_congested_bytes = config.aggregate_under_load ? config.ringbuf_bytes / 2 : 0;
  ro.cfg_key_budget = config.key_budget;
}

CaptureSession::CaptureSession(CaptureConfig config) : config_(std::move(config)) {
  install_libbpf_print();
}

CaptureSession::~CaptureSession() {
  if (state_) {
    state_->ring.reset();
    state_->links.clear();
  }
}

void set_libbpf_verbose(bool verbose) {
  install_libbpf_print();
  std::lock_guard lock(g_log_mutex);
  g_verbose = verbose;
}

bool CaptureSession::attached() const noexcept {
  return state_ && state_->ring;
}

namespace {

// The listener index's hooks, tried with every tier in this order; the tier
// still runs without them ("none") when neither attaches.
const std::vector<TierVariant>& index_variants() {
  static const std::vector<TierVariant> variants = {
      {"tp_btf/inet_sock_set_state", {"state_btf", "seed_listeners"}},
      {"tracepoint/sock/inet_sock_set_state", {"state_tp", "seed_listeners"}},
      {"none", {}}};
  return variants;
}

// "prog 'state_btf': ..." -> "state_btf"
std::string program_named_in(const std::string& message) {
  const auto open = message.find("prog '");
  if (open == std::string::npos) return {};
  const auto close = message.find('\'', open + 6);
  return close == std::string::npos ? std::string() : message.substr(open + 6, close - open - 6);
}

bool is_index_program(const std::string& name) {
  return name == "state_btf" || name == "state_tp" || name == "seed_listeners";
}

}  // namespace

// One load + attach of a tier variant with an index variant. On failure,
// `failed_program` names the program at fault when known.
TierTrial CaptureSession::attempt(Tier tier, const TierVariant& variant, const TierVariant& index,
                                  std::string& failed_program) {
  TierTrial trial;
  trial.tier = tier;
  trial.variant = variant.name;
  take_last_warning();

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

// Runs the start-up walk once; its program writes the index directly.
CaptureSession::SeedResult CaptureSession::seed(capture& skel) {
  SeedResult result;
  const auto start = std::chrono::steady_clock::now();
  LinkPtr link(bpf_program__attach_iter(skel.progs.seed_listeners, nullptr));
  if (!link) {
    result.error = std::string("cannot attach iter/task_file: ") + std::strerror(errno);
    return result;
  }
  UniqueFd iter(bpf_iter_create(bpf_link__fd(link.get())));
  if (!iter) {
    result.error = std::string("cannot create the iterator: ") + std::strerror(errno);
    return result;
  }
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(iter.get(), buffer, sizeof(buffer))) > 0) {
  }
  if (n < 0) result.error = std::string("the start-up walk failed: ") + std::strerror(errno);
  bt_listener_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map__get_next_key(skel.maps.listeners, prev, &next, sizeof(next)) == 0) {
    ++result.entries;
    key = next;
    prev = &key;
  }
  result.elapsed_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  return result;
}

int CaptureSession::poll(int timeout_ms, const RecordHandler& handler) {
  if (!attached()) throw RuntimeError("capture is not attached");
  // Batched mode: producers do not wake us; the wait times out and the
  // reader drains what accumulated.
  return static_cast<int>(state_->ring->poll(timeout_ms, handler));
}

KernelCounters CaptureSession::counters() const {
  KernelCounters total;
  if (!attached()) return total;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return total;
  std::vector<bt_counters> per_cpu(static_cast<std::size_t>(cpus));
  __u32 key = 0;
  if (bpf_map_lookup_elem(state_->counters_fd, &key, per_cpu.data()) != 0) return total;
  for (const bt_counters& c : per_cpu) {
    total.seen += c.seen;
    total.filtered += c.filtered;
    total.emitted += c.emitted;
    total.dropped += c.dropped;
    total.aggregated += c.aggregated;
  }
  return total;
}

}  // namespace bindtrace

namespace bindtrace {

bool CaptureSession::has_listener_index() const noexcept { return attached() && state_->has_index; }

const CaptureSession::SeedResult& CaptureSession::seed_result() const noexcept {
  static const SeedResult none;
  return attached() ? state_->seed : none;
}

std::vector<std::pair<bt_aggregate_key, bt_aggregate>> CaptureSession::drain_aggregates() {
  std::vector<std::pair<bt_aggregate_key, bt_aggregate>> out;
  if (!attached() || state_->aggregates_fd < 0) return out;
  // Take each key out with its count in one step: increments that race with
  // the take land in a fresh entry, drained next time.
  bt_aggregate_key key{};
  while (bpf_map_get_next_key(state_->aggregates_fd, nullptr, &key) == 0) {
    bt_aggregate value{};
    if (bpf_map_lookup_and_delete_elem(state_->aggregates_fd, &key, &value) != 0) break;
    out.emplace_back(key, value);
    if (out.size() >= 1u << 16) break;  // the map holds at most 4096; never spin
  }
  return out;
}

std::optional<bt_listener> CaptureSession::lookup_listener(const bt_listener_key& key) const {
  if (!has_listener_index()) return std::nullopt;
  bt_listener value{};
  if (bpf_map_lookup_elem(state_->listeners_fd, &key, &value) != 0) return std::nullopt;
  return value;
}

}  // namespace bindtrace
