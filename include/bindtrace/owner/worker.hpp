// Owner resolution off the capture path: a bounded FIFO and one worker thread
// that resolves each event (a short per-endpoint cache absorbs bursts) and
// hands it on in arrival order. Past half capacity it stops resolving and
// counts what it skipped; at capacity submit() waits, so the kernel ring
// buffer absorbs the burst and counts its own drops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <thread>
#include <tuple>

#include "bindtrace/diagnose/diagnose.hpp"
#include "bindtrace/proc/enricher.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/owner/resolver.hpp"

namespace bindtrace {

struct OwnerWorkerStats {
  std::uint64_t resolved = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t skipped = 0;   // not resolved because the queue was over half full
  std::uint64_t failures = 0;  // resolved to `unknown` with a reason
  std::uint64_t lookup_failures = 0;  // cgroup / command line reads that failed (deferred enrichment)
};

class OwnerWorker {
 public:
  using Deliver = std::function<void(const Event&)>;
  // With complete_events, the worker also completes events the tracer left
  // unenriched (TraceOptions::defer_enrichment).
  OwnerWorker(ResolverOptions options, const CaptureSession* index, Deliver deliver, std::size_t capacity = 4096,
              std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(250), bool complete_events = false);
  ~OwnerWorker();  // delivers what is queued, then joins
  OwnerWorker(const OwnerWorker&) = delete;
  OwnerWorker& operator=(const OwnerWorker&) = delete;

  void submit(Event event);
  // Returns once everything submitted so far has been delivered.
  void drain();
  [[nodiscard]] OwnerWorkerStats stats() const;
  // Events queued behind the one being delivered (0: the consumer caught up).
  [[nodiscard]] std::size_t pending() const;

 private:
  void run();
  void resolve(Event& event, bool skip);
  void attribute_process(Event& event);
  void diagnose_event(Event& event);

  using CacheKey = std::tuple<std::uint32_t, int, int, std::string, std::uint16_t, bool>;
  struct Cached {
    Owner owner;
    std::chrono::steady_clock::time_point at;
  };

  ResolverOptions options_;
  const CaptureSession* index_;
  Deliver deliver_;
  std::size_t capacity_;
  std::chrono::milliseconds cache_ttl_;
  std::map<CacheKey, Cached> cache_;
  OwnerResolver* resolver_ = nullptr;  // owned by the worker thread
  RestartTracker restarts_;              // worker thread only
  std::uint32_t unprivileged_port_start_ = 1024;  // worker thread only
  std::optional<EventEnricher> enricher_;  // worker thread only; set when enrichment is deferred

  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_, idle_;
  std::deque<Event> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  OwnerWorkerStats stats_;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace bindtrace
