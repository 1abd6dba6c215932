// `bindtrace trace`: attach, then poll -> decode -> enrich -> hand to the
// caller, until stopped, a duration or an event count. Used by the CLI and
// by the integration tests alike.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/proc/enricher.hpp"
#include "bindtrace/capture/capture.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/capture/loader.hpp"
#include "bindtrace/proc/proc_reader.hpp"

namespace bindtrace {

struct TraceOptions {
  CaptureConfig capture;
  std::optional<Tier> attach;      // nullopt: auto
  std::uint64_t duration_ms = 0;   // 0: until stopped
  std::uint64_t max_events = 0;    // 0: unlimited
  int poll_interval_ms = 100;      // also the batched-mode drain interval
  std::string proc_root = "/proc";
  // Leave cgroup paths and long command lines to the consumer (the owner
  // worker completes them off the capture thread).
  bool defer_enrichment = false;
  // The agent: adopt programs pinned here by an earlier agent when they match,
  // else attach and pin them here (replacing incompatible pins). Empty: no pins.
  std::string pin_dir;
};

struct TraceStats {
  KernelCounters kernel;
  std::uint64_t decode_errors = 0;   // malformed records
  std::uint64_t lookup_failures = 0; // /proc reads that failed (process gone)
  std::uint64_t delivered = 0;       // events handed to the caller
  std::uint64_t self_events = 0;     // our own calls, seen by adopted programs (not delivered)
  std::uint64_t aggregated_delivered = 0;  // events reported as storm counts (kernel.aggregated)
};

class Tracer {
 public:
  explicit Tracer(TraceOptions options);
  ~Tracer();

  // Mounts tracefs when a tier needs it, chooses and attaches a tier. Throws
  // UnsupportedError (exit 3) naming what is missing when none attaches.
  Tier attach();
  [[nodiscard]] const std::vector<TierTrial>& trials() const noexcept { return trials_; }
  // With a pin_dir: why the pins were not adopted ("" when they were).
  [[nodiscard]] const std::string& adopt_failure() const noexcept { return adopt_failure_; }

  using EventHandler = std::function<void(const Event&)>;
  using TickHandler = std::function<void(const TraceStats&)>;
  // Runs until stop(), the duration or max_events; on_tick is called about once
  // a second (drop reports). Thread-safe stop().
  void run(const EventHandler& on_event, const TickHandler& on_tick = {});
  void stop() noexcept { stop_.store(true); }
  // Storm counts the kernel kept instead of events (drained about once a
  // second and when run() ends). Without a handler they stay counted in
  // TraceStats::kernel.aggregated only.
  using AggregateHandler = std::function<void(const EventAggregate&)>;
  void set_aggregate_handler(AggregateHandler handler) { on_aggregate_ = std::move(handler); }
  [[nodiscard]] TraceStats stats() const;
  // The attached capture (its listener index serves owner lookups); null before attach().
  [[nodiscard]] const CaptureSession* session() const noexcept { return session_.get(); }

 private:

  TraceOptions options_;
  std::unique_ptr<CaptureSession> session_;
  std::vector<TierTrial> trials_;
  EventEnricher enricher_;
  std::int64_t realtime_offset_ns_ = 0;
  std::string adopt_failure_;
  AggregateHandler on_aggregate_;
  void drain_aggregates();
  std::atomic<bool> stop_{false};
  TraceStats stats_;
};

}  // namespace bindtrace
