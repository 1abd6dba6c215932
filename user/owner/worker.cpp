// The resolution worker (see worker.hpp).
#include "bindtrace/owner/worker.hpp"

#include "bindtrace/diagnose/alternatives.hpp"
#include "bindtrace/attribute.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/proc/proc_reader.hpp"

#include <cstdlib>

namespace bindtrace {

OwnerWorker::OwnerWorker(ResolverOptions options, const CaptureSession* index, Deliver deliver,
                         std::size_t capacity, std::chrono::milliseconds cache_ttl, bool complete_events)
    : options_(std::move(options)),
      index_(index),
      deliver_(std::move(deliver)),
      capacity_(capacity < 2 ? 2 : capacity),
      cache_ttl_(cache_ttl),
      enricher_(complete_events ? std::optional<EventEnricher>(std::in_place, options_.proc_root) : std::nullopt),
      thread_([this] { run(); }) {}

OwnerWorker::~OwnerWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  thread_.join();
}

void OwnerWorker::submit(Event event) {
  std::unique_lock lock(mutex_);
  not_full_.wait(lock, [&] { return queue_.size() < capacity_; });
  queue_.push_back(std::move(event));
  not_empty_.notify_one();
}

void OwnerWorker::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

OwnerWorkerStats OwnerWorker::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t OwnerWorker::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void OwnerWorker::attribute_process(Event& event) {
  // The failing process is often gone already (it failed and exited): then
  // only the cgroup the kernel recorded is left to attribute it by.
  const ProcReader proc(options_.proc_root);
  event.process.exe = proc.exe(event.process.pid).value_or("");
  event.process.cwd = proc.cwd(event.process.pid).value_or("");
  event.process.service = attribute_live_process(event.process.pid, options_.proc_root);
  if (!proc.is_alive_since(event.process.pid, event.boot_ns)) {  // a reused pid: another process
    event.process.exe.clear();
    event.process.cwd.clear();
    event.process.service.reset();
  }
  if (!event.process.service)
    event.process.service =
        attribute_exited_process(event.process.cgroup, event.process.comm, event.process.uid);
}

// Pure and cheap: every event gets a diagnosis, even when the owner was
// skipped under load; the restart history needs every failure anyway.
void OwnerWorker::diagnose_event(Event& event) {
  DiagnosisContext context;
  context.unprivileged_port_start = unprivileged_port_start_;
  if (event.err != 0) {
    Endpoint endpoint = event.endpoint;
    const std::string where = std::string(proto_name(event.proto)) + " " + to_string(endpoint) + " netns " +
                              std::to_string(event.netns);
    context.failures_in_window =
        restarts_.record(identity_key(identity_of(event.process)), where, event.boot_ns);
  }
  event.diagnosis = diagnose(event, context);
}

void OwnerWorker::resolve(Event& event, bool skip) {
  if (enricher_) {
    const unsigned failed = enricher_->complete(event);
    std::lock_guard lock(mutex_);
    stats_.lookup_failures += failed;
  }
  if (!skip) attribute_process(event);
  // Only failures that have an owner go through the resolver at all.
  if (event.err != EADDRINUSE || event.op == Op::connect || !event.endpoint.has_port()) return;
  if (skip) {
    Owner owner;
    owner.reason = "not resolved: more failures than the resolver keeps up with (counted as skipped)";
    event.owner = std::move(owner);
    std::lock_guard lock(mutex_);
    ++stats_.skipped;
    return;
  }
  const CacheKey key{event.netns, static_cast<int>(event.proto), static_cast<int>(event.endpoint.family),
                     event.endpoint.address, event.endpoint.port, event.socket.reuseaddr};
  const auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(key); it != cache_.end() && now - it->second.at < cache_ttl_) {
    event.owner = it->second.owner;
    event.alternatives = nearest_free_ports(event);
    std::lock_guard lock(mutex_);
    ++stats_.cache_hits;
    return;
  }
  event.owner = resolver_->resolve(event);
  event.alternatives = nearest_free_ports(event);
  const bool failed = event.owner && event.owner->kind == OwnerKind::unknown;
  if (event.owner && !failed) cache_[key] = Cached{*event.owner, now};
  if (cache_.size() > 4096) cache_.clear();  // bounded: bursts hit a handful of endpoints
  std::lock_guard lock(mutex_);
  ++stats_.resolved;
  if (failed) ++stats_.failures;
}

void OwnerWorker::run() {
  // Read once, not per event: the host's value (a namespace may differ; rare).
  if (const auto start = read_proc_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64))
    unprivileged_port_start_ = static_cast<std::uint32_t>(std::strtoul(start->c_str(), nullptr, 10));
  // The resolver lives on this thread: it may setns the thread it runs on.
  OwnerResolver resolver(options_, index_);
  resolver_ = &resolver;
  for (;;) {
    Event event;
    bool skip = false;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;
      event = std::move(queue_.front());
      queue_.pop_front();
      skip = queue_.size() >= capacity_ / 2;
      busy_ = true;
      not_full_.notify_one();
    }
    resolve(event, skip);
    diagnose_event(event);
    deliver_(event);
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
    }
  }
  resolver_ = nullptr;
}

}  // namespace bindtrace
