// The user-side stages, in order, for every decoded event:
//   enrich -> owner -> attribute -> diagnose -> actions -> sinks
// One bounded queue and one thread run the first four (off the capture
// path); actions have their own queue (they wait on processes and hooks);
// every record, storm counts and hook results included, reaches the one Sink,
// one call at a time. `trace` and `agent` build it from their options; nothing
// else wires stages.
//
// Under load (queue over half full) the owner and attribution lookups are
// skipped and counted; at capacity submit() waits, so the kernel's ring buffer
// absorbs the burst and counts its own drops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "bindtrace/actions/runner.hpp"
#include "bindtrace/diagnose/diagnose.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {

class EventEnricher;
class ListenerIndex;
class OwnerLookup;

struct PipelineOptions {
  // The owner stage; off (--no-owner) skips that stage only: events are still
  // attributed and diagnosed on what is known.
  bool resolve_owner = true;
  // The tracer left the cgroup path and long command lines to the pipeline
  // (TraceOptions::defer_enrichment).
  bool complete_events = true;
  ResolverOptions resolver;
  std::size_t capacity = 4096;
  std::chrono::milliseconds owner_cache_ttl{250};
  // Actions and hooks (none by default) and how consent is given.
  ActionOptions actions;
  Consent consent = Consent::given;
  std::function<bool(const std::string& question)> confirm;
};

struct PipelineStats {
  std::uint64_t resolved = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t skipped = 0;          // not resolved because the queue was over half full
  std::uint64_t failures = 0;         // resolved to `unknown` with a reason
  std::uint64_t lookup_failures = 0;  // cgroup / command line reads that failed (enrichment)
  std::uint64_t index_not_ready = 0;  // owners looked up elsewhere: the index's start-up walk had not ended
};

class Pipeline {
 public:
  // `index` (may be null) serves the owner stage; `sink` outlives the pipeline.
  Pipeline(PipelineOptions options, const ListenerIndex* index, Sink& sink);
  ~Pipeline();  // delivers what is queued, acts on it, then joins
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void submit(Event event);
  // Storm counts skip the event stages: straight to the sink.
  void submit(const EventAggregate& aggregate);
  // Returns once everything submitted so far reached the sink (hooks finished).
  void drain();

  [[nodiscard]] PipelineStats stats() const;
  [[nodiscard]] bool has_actions() const noexcept { return actions_ != nullptr; }
  [[nodiscard]] ActionStats action_stats() const;

 private:
  void run();
  void enrich(Event& event, bool skip, const std::optional<ProcessSnapshot>& process);
  void find_owner(Event& event, bool skip);
  void attribute(Event& event, bool skip, const std::optional<ProcessSnapshot>& process);
  void diagnose_event(Event& event);
  [[nodiscard]] std::uint32_t unprivileged_port_start(const Event& event);
  void to_sink(const Event& event);

  PipelineOptions options_;
  const ListenerIndex* index_;
  Sink& sink_;
  std::mutex sink_mutex_;  // one record at a time, in order
  std::unique_ptr<ActionRunner> actions_;

  // Worker thread only.
  std::unique_ptr<EventEnricher> enricher_;
  std::unique_ptr<OwnerLookup> owner_;  // made on the thread: the resolver may setns it
  RestartTracker restarts_;
  std::map<std::uint32_t, std::uint32_t> unprivileged_port_start_;  // per network namespace

  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_, idle_;
  std::deque<Event> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  PipelineStats stats_;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace bindtrace
