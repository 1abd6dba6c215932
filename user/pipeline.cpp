// The event pipeline (see include/bindtrace/pipeline.hpp).
#include "bindtrace/pipeline.hpp"

#include <cstdlib>

#include "bindtrace/attribute.hpp"
#include "bindtrace/owner/lookup.hpp"
#include "bindtrace/owner/netns.hpp"
#include "bindtrace/proc/enricher.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/proc/snapshot_reader.hpp"
#include "bindtrace/proc/user_names.hpp"

namespace bindtrace {

Pipeline::Pipeline(PipelineOptions options, const ListenerIndex* index, Sink& sink)
    : options_(std::move(options)), index_(index), sink_(sink) {
  if (options_.capacity < 2) options_.capacity = 2;
  if (options_.complete_events) enricher_ = std::make_unique<EventEnricher>(options_.resolver.proc_root);
  if (options_.actions.any()) {
    ActionCallbacks callbacks;
    callbacks.deliver = [this](const Event& e) { to_sink(e); };
    callbacks.on_hook = [this](const HookResult& r) {
      std::lock_guard lock(sink_mutex_);
      sink_.write_hook(r);
    };
    callbacks.confirm = options_.confirm;
    actions_ = std::make_unique<ActionRunner>(options_.actions, std::move(callbacks), options_.consent);
  }
  thread_ = std::thread([this] { run(); });
}

Pipeline::~Pipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  thread_.join();
  actions_.reset();  // acts on what it holds, waits for its hooks
}

void Pipeline::submit(Event event) {
  std::unique_lock lock(mutex_);
  not_full_.wait(lock, [&] { return queue_.size() < options_.capacity; });
  queue_.push_back(std::move(event));
  not_empty_.notify_one();
}

void Pipeline::submit(const EventAggregate& aggregate) {
  std::lock_guard lock(sink_mutex_);
  sink_.write_aggregate(aggregate);
}

void Pipeline::drain() {
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }
  if (actions_) actions_->drain();
}

PipelineStats Pipeline::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

ActionStats Pipeline::action_stats() const { return actions_ ? actions_->stats() : ActionStats{}; }

// Stage 1: what the kernel's record left out (cgroup path, long command lines):
// from the process's snapshot, or under load from single /proc files.
void Pipeline::enrich(Event& event, bool skip, const std::optional<ProcessSnapshot>& process) {
  if (!enricher_) return;
  const unsigned failed = skip ? enricher_->complete(event) : enricher_->complete(event, process);
  std::lock_guard lock(mutex_);
  stats_.lookup_failures += failed;
}

// Stage 2: who blocks the endpoint.
void Pipeline::find_owner(Event& event, bool skip) {
  if (!options_.resolve_owner) return;
  const LookupOutcome outcome = owner_->resolve(event, skip);
  std::lock_guard lock(mutex_);
  stats_.index_not_ready = owner_->resolver_stats().index_not_ready;
  switch (outcome) {
    case LookupOutcome::not_needed: break;
    case LookupOutcome::skipped: ++stats_.skipped; break;
    case LookupOutcome::cache_hit: ++stats_.cache_hits; break;
    case LookupOutcome::failed: ++stats_.failures; [[fallthrough]];
    case LookupOutcome::resolved: ++stats_.resolved; break;
  }
}

// Stage 3: the failing process's service manager. The process is often gone
// already (it failed and exited): then only the cgroup the kernel recorded is
// left to attribute it by.
void Pipeline::attribute(Event& event, bool skip, const std::optional<ProcessSnapshot>& process) {
  if (!skip && process) {
    event.process.exe = process->exe;
    event.process.cwd = process->cwd;
    if (!process->exited) event.process.service = bindtrace::attribute(*process);
  }
  if (!event.process.service)
    event.process.service = attribute_exited_process(event.process.cgroup, event.process.comm, event.process.uid);
  add_user_name(*event.process.service);
}

// The failing namespace's net.ipv4.ip_unprivileged_port_start, read once per
// namespace.
std::uint32_t Pipeline::unprivileged_port_start(const Event& event) {
  if (auto it = unprivileged_port_start_.find(event.netns); it != unprivileged_port_start_.end()) return it->second;
  const auto read = [] {
    const auto text = read_proc_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64);
    return text ? static_cast<std::uint32_t>(std::strtoul(text->c_str(), nullptr, 10)) : 1024u;
  };
  std::uint32_t start = 1024;
  try {
    NetnsScope in_netns(event.netns, event.process.pid);  // the sysctl is per network namespace
    start = read();
  } catch (const std::exception&) {
    start = read();  // the namespace is gone: the host's value is the best guess
  }
  if (unprivileged_port_start_.size() > 1024) unprivileged_port_start_.clear();  // bounded
  unprivileged_port_start_[event.netns] = start;
  return start;
}

// Stage 4: pure and cheap, so every event gets a diagnosis, even when the
// owner was skipped under load; the restart history needs every failure.
void Pipeline::diagnose_event(Event& event) {
  DiagnosisContext context;
  context.unprivileged_port_start = unprivileged_port_start(event);
  context.ns_per_clock_tick = ns_per_clock_tick();
  if (event.err != 0) {
    const std::string where = std::string(proto_name(event.proto)) + " " + to_string(event.endpoint) + " netns " +
                              std::to_string(event.netns);
    context.failures_in_window = restarts_.record(identity_key(identity_of(event.process)), where, event.boot_ns);
  }
  event.diagnosis = diagnose(event, context);
}

// Stage 6 (after actions, when there are any).
void Pipeline::to_sink(const Event& event) {
  std::lock_guard lock(sink_mutex_);
  sink_.write(event);
  bool caught_up;
  {
    std::lock_guard queue_lock(mutex_);
    caught_up = queue_.empty();
  }
  if (caught_up) sink_.flush();  // one write per burst, not per event
}

void Pipeline::run() {
  if (options_.resolve_owner) owner_ = std::make_unique<OwnerLookup>(options_.resolver, index_, options_.owner_cache_ttl);
  for (;;) {
    Event event;
    bool skip = false;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;
      event = std::move(queue_.front());
      queue_.pop_front();
      skip = queue_.size() >= options_.capacity / 2;
      busy_ = true;
      not_full_.notify_one();
    }
    // One read of the failing process for enrichment and attribution (none
    // under load); a pid reused since the event is another process: nothing.
    std::optional<ProcessSnapshot> process;
    if (!skip)
      process = read_snapshot(event.process.pid, options_.resolver.proc_root, SnapshotOptions{.boot_ns = event.boot_ns});
    enrich(event, skip, process);
    find_owner(event, skip);
    attribute(event, skip, process);
    diagnose_event(event);
    if (actions_) actions_->submit(std::move(event));  // stage 5, then the sink
    else to_sink(event);
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
    }
  }
  owner_.reset();
}

}  // namespace bindtrace
