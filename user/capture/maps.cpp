// The capture's maps once attached or adopted: the configuration written to
// .rodata before load, the listener index's start-up walk and lookups, the
// per-CPU counters and the storm aggregates.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>

#include "bindtrace/abi.h"
#include "bindtrace/unique_fd.hpp"
#include "capture/capture_state.hpp"

namespace bindtrace {

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

// The start-up walk: a second instance of the object with only the iterator,
// its `listeners` map the attached one's, loaded after `attached` (an iterator
// attaches by the kernel's BTF, whose parse is what this keeps off the start).
CaptureSession::SeedResult CaptureSession::seed() {
  SeedResult result;
  const auto start = std::chrono::steady_clock::now();
  LIBBPF_OPTS(bpf_object_open_opts, open_opts);
  if (!config_.btf_path.empty()) open_opts.btf_custom_path = config_.btf_path.c_str();
  SkeletonPtr skel(capture__open_opts(&open_opts));
  if (!skel) {
    result.error = std::string("cannot open the start-up walk: ") + std::strerror(errno);
    return result;
  }
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) { bpf_program__set_autoload(prog, false); }
  bpf_program__set_autoload(skel->progs.seed_listeners, true);
  // Its own copies of the other maps are never used: keep them small.
  bpf_map__set_max_entries(skel->maps.events, static_cast<__u32>(::getpagesize()));
  bpf_map__set_max_entries(skel->maps.recorder, 1);
  bpf_map__set_max_entries(skel->maps.kprobe_args, 1);
  if (int rc = bpf_map__reuse_fd(skel->maps.listeners, state_->listeners_fd); rc != 0) {
    result.error = std::string("cannot share the listener index: ") + std::strerror(-rc);
    return result;
  }
  if (int rc = capture__load(skel.get()); rc != 0) {
    result.error = std::string("cannot load the start-up walk: ") + std::strerror(-rc);
    return result;
  }
  LinkPtr link(bpf_program__attach_iter(skel->progs.seed_listeners, nullptr));
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
  while (bpf_map_get_next_key(state_->listeners_fd, prev, &next) == 0) {
    ++result.entries;
    key = next;
    prev = &key;
  }
  result.elapsed_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  return result;
}

void CaptureSession::mark_ready() {
  {
    std::lock_guard lock(start_mutex_);
    ready_ = true;
  }
  ready_cv_.notify_all();
}

bool CaptureSession::wait_until_ready(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(start_mutex_);
  return ready_cv_.wait_for(lock, timeout, [this] { return ready_; });
}

CaptureSession::SeedResult CaptureSession::seed_result() const {
  std::lock_guard lock(start_mutex_);
  return seed_result_;
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

bool CaptureSession::has_listener_index() const noexcept { return attached() && state_->has_index; }


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
