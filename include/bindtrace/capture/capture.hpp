// The capture object's life cycle (open -> configure -> load -> attach ->
// poll -> destroy) for one tier at a time, as a TierProber. Owns every kernel
// object; the only user-space module besides owner that touches libbpf.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindtrace/abi.h"
#include "bindtrace/owner/listener_index.hpp"
#include "bindtrace/capture/filter_spec.hpp"
#include "bindtrace/capture/loader.hpp"

struct capture;  // the generated skeleton (capture.skel.h)

namespace bindtrace {

struct CaptureConfig {
  FilterSpec filter;
  std::uint32_t self_tgid = 0;                 // excluded in the kernel
  std::uint32_t ringbuf_bytes = 8u << 20;      // power of two, >= page size
  bool batched = false;                        // no wake-up per event; poll drains
  std::string btf_path;                        // external BTF (--btf), empty: kernel's
  // Where the minimal CO-RE BTF is cached (core_btf_cache.hpp); empty: never
  // cached, the kernel's BTF is parsed at every start.
  std::string core_btf_dir;
  std::uint32_t recorder_slots = 0;            // flight recorder slots (power of two); 0: none
  // In a storm (ring buffer over half full), count events per endpoint and
  // process in the kernel instead of sending each (never a silent drop).
  bool aggregate_under_load = true;
  // Events per second sent in full for one (process, endpoint, errno, call);
  // past it they are counted in the kernel like a storm. 0: no limit.
  std::uint32_t key_budget = kDefaultKeyBudget;
  static constexpr std::uint32_t kDefaultKeyBudget = 200;
};

struct KernelCounters {
  std::uint64_t seen = 0;
  std::uint64_t filtered = 0;
  std::uint64_t emitted = 0;
  std::uint64_t dropped = 0;     // lost: ring buffer and aggregate map both full
  std::uint64_t aggregated = 0;  // counted per endpoint instead of sent (storm)
};

struct TierVariant;

class CaptureSession final : public TierProber, public ListenerIndex {
 public:
  explicit CaptureSession(CaptureConfig config);
  ~CaptureSession() override;
  CaptureSession(const CaptureSession&) = delete;
  CaptureSession& operator=(const CaptureSession&) = delete;

  // Loads and attaches `tier`; on failure destroys everything it made.
  TierTrial try_tier(Tier tier) override;
  [[nodiscard]] bool attached() const noexcept;

  using RecordHandler = std::function<void(std::span<const std::uint8_t>)>;
  // Waits up to timeout_ms for records and hands each to `handler`, in order.
  // Returns the number of records consumed; throws RuntimeError on failure.
  int poll(int timeout_ms, const RecordHandler& handler);
  // Takes the storm counts out of the kernel's aggregate map.
  [[nodiscard]] std::vector<std::pair<bt_aggregate_key, bt_aggregate>> drain_aggregates();
  // Sums the per-CPU counters.
  [[nodiscard]] KernelCounters counters() const;

  // The listener index (bpf/state.bpf.c); nullopt when absent or not kept.
  [[nodiscard]] std::optional<bt_listener> lookup_listener(const bt_listener_key& key) const override;
  [[nodiscard]] bool has_listener_index() const noexcept override;
  [[nodiscard]] bool wait_until_ready(std::chrono::milliseconds timeout) const override;

  // What comes after `attached`, on a thread of its own so that the programs
  // attach first: the start-up walk that seeds the listener index (loaded as a
  // second instance of the object sharing the index map), then the minimal
  // CO-RE BTF for the next start when it is not cached yet. Until the walk
  // is done an index miss means nothing (wait_until_ready says when it is).
  // Adopted programs need neither.
  void finish_start_in_background();
  // Entries the start-up walk added, and what it cost.
  struct SeedResult {
    std::uint64_t entries = 0;
    std::uint64_t elapsed_us = 0;
    std::string error;  // empty on success
  };
  // What the background start did (after wait_until_ready()).
  [[nodiscard]] SeedResult seed_result() const;
  // The BTF CO-RE relocated against: "cached minimal BTF PATH", "the kernel's
  // BTF", "--btf PATH"; and what the cache step did ("" when nothing).
  [[nodiscard]] std::string core_btf_used() const;
  [[nodiscard]] std::string core_btf_note() const;

  // Pins the links and maps under `dir` (bpffs), so the programs and the
  // flight recorder outlive this process (the agent). Throws RuntimeError.
  void pin(const std::string& dir);
  // Takes over programs an earlier agent pinned under `dir` instead of
  // attaching twice, when they were loaded with the same filters, sizes and
  // ABI. Returns the trial (ok) or a reason in `why_not` when nothing
  // compatible is pinned there.
  [[nodiscard]] std::optional<TierTrial> adopt(const std::string& dir, std::string& why_not);
  [[nodiscard]] bool adopted() const noexcept;

 private:
  TierTrial attempt(Tier tier, const TierVariant& variant, const TierVariant& index, std::string& failed_program);
  // Seeds the index through a second instance holding only the iterator.
  SeedResult seed();
  void mark_ready();

  struct State;
  CaptureConfig config_;
  std::unique_ptr<State> state_;
  std::string core_btf_;       // the cached file this session may use ("" none)
  bool core_btf_refused_ = false;
  mutable std::mutex start_mutex_;
  mutable std::condition_variable ready_cv_;
  bool ready_ = false;
  SeedResult seed_result_;
  std::string core_btf_note_;
  std::thread starter_;  // joined first in the destructor
};

// Shows libbpf's debug output on stderr (for -v); otherwise only warnings
// are kept for trial messages.
void set_libbpf_verbose(bool verbose);

}  // namespace bindtrace
