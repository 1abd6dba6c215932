// The agent's life: attach or adopt, drain the flight recorder, run the
// pipeline, reload on SIGHUP, flush on stop (see include/bindtrace/agent/agent.hpp).
#include "bindtrace/agent/agent.hpp"

#include <malloc.h>
#include <time.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "bindtrace/actions/runner.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/format/record_json.hpp"
#include "bindtrace/owner/iterators.hpp"
#include "bindtrace/pipeline.hpp"
#include "bindtrace/capture/core_btf_cache.hpp"
#include "bindtrace/capture/recorder.hpp"
#include "bindtrace/sinks.hpp"
#include "bindtrace/sinks/event_log.hpp"
#include "bindtrace/sinks/journald.hpp"
#include "bindtrace/sinks/metrics.hpp"
#include "bindtrace/sinks/metrics_server.hpp"
#include "bindtrace/sinks/systemd_library.hpp"
#include "bindtrace/capture/tracer.hpp"

namespace bindtrace {
namespace {

std::int64_t realtime_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Whether two configurations load the same kernel programs (else: re-attach).
bool same_capture(const AgentConfig& a, const AgentConfig& b) {
  const FilterSpec& f = a.filter;
  const FilterSpec& g = b.filter;
  return f.ports == g.ports && f.errnos == g.errnos && f.pid == g.pid && f.comm == g.comm &&
         f.cgroup_id == g.cgroup_id && f.netns == g.netns && f.all_binds == g.all_binds &&
         a.ringbuf_bytes == b.ringbuf_bytes && a.batched == b.batched && a.key_budget == b.key_budget &&
         a.attach == b.attach &&
         a.recorder.enabled == b.recorder.enabled && a.recorder.slots == b.recorder.slots &&
         a.recorder.pin_dir == b.recorder.pin_dir;
}

bool same_actions(const ActionOptions& a, const ActionOptions& b) {
  return a.exec == b.exec && a.hook_timeout == b.hook_timeout && a.hook_concurrency == b.hook_concurrency &&
         a.act == b.act && a.grace == b.grace && a.allow_comm == b.allow_comm && a.allow_unit == b.allow_unit &&
         a.allow_uid == b.allow_uid && a.allow_port == b.allow_port && a.rate_limit == b.rate_limit &&
         a.dry_run == b.dry_run;
}

EventLogOptions log_options(const AgentConfig::Log& log) {
  EventLogOptions o;
  o.path = log.path;
  o.max_bytes = log.max_bytes;
  o.keep = log.keep;
  o.fsync_each = log.fsync;
  return o;
}

void say(const std::string& line) {
  std::fprintf(stderr, "bindtrace agent: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

// The agent is its pipeline's sink: log (or stdout), journald and metrics.
struct Agent::Impl final : Sink {
  AgentConfig config;
  std::function<AgentConfig()> reload_config;
  std::atomic<bool> stopping{false};
  std::atomic<bool> reload_requested{false};
  std::atomic<Tracer*> tracer{nullptr};

  std::mutex sink_mutex;  // one writer at a time: records stay in order
  std::unique_ptr<EventLog> log;
  bool log_to_stdout = false;
  std::unique_ptr<JournaldSink> journald;
  Metrics metrics;
  std::unique_ptr<MetricsServer> server;
  std::string server_address;

  mutable std::mutex stats_mutex;
  AgentStats stats;
  std::uint64_t drained_up_to = 0;
  std::uint64_t reported_log_errors = 0;  // under sink_mutex

  Impl(AgentConfig c, std::function<AgentConfig()> r)
      : config(std::move(c)), reload_config(std::move(r)), metrics(config.metrics.max_series) {}

  TraceOptions trace_options() const {
    TraceOptions t;
    t.capture.filter = config.filter;
    t.capture.ringbuf_bytes = config.ringbuf_bytes;
    t.capture.batched = config.batched;
    t.capture.key_budget = config.key_budget;
    t.capture.core_btf_dir = kCoreBtfCacheDir;
    t.attach = config.attach;
    t.defer_enrichment = true;  // the pipeline completes events
    if (config.recorder.enabled) {
      t.capture.recorder_slots = config.recorder.slots;
      t.pin_dir = config.recorder.pin_dir;
    }
    return t;
  }

  // Log, journald and metrics as the configuration says; on reload only what changed.
  void apply_sinks(const AgentConfig& next, bool first) {
    std::lock_guard lock(sink_mutex);
    const bool stdout_log = next.log.enabled && next.log.path == "-";
    if (!next.log.enabled || stdout_log) {
      log.reset();
    } else if (!log) {
      log = std::make_unique<EventLog>(log_options(next.log));
    } else {
      log->reopen(log_options(next.log));  // also after logrotate moved the file (SIGHUP)
    }
    log_to_stdout = stdout_log;
    if (next.journald.enabled && !journald) {
      if (JournaldSink::available()) journald = std::make_unique<JournaldSink>();
      else say("journald: not available (no " + std::string(JournaldSink::kSocketPath) + ")");
    } else if (!next.journald.enabled) {
      journald.reset();
    }
    const std::string address = next.metrics.enabled ? next.metrics.address : "";
    if (address != server_address || first) {
      if (server) server->stop();
      server.reset();
      if (!address.empty()) {
        auto s = std::make_unique<MetricsServer>(address, [this] { return metrics.render(); });
        s->start();
        say("metrics on http://" + address + "/metrics");
        server = std::move(s);
      }
      server_address = address;
    }
  }

  // One JSON line to the log, or stdout; under sink_mutex.
  void append_line(const std::string& line) {
    if (log) log->append(line);
    else if (log_to_stdout) std::fwrite(line.data(), 1, line.size(), stdout), std::fflush(stdout);
  }

  // A record of the agent's own (start, reload) in the log, so the log tells its story.
  void log_record(AgentRecord record) {
    record.time_ns = realtime_now_ns();
    const std::string line = agent_record_to_json_line(record);
    std::lock_guard lock(sink_mutex);
    append_line(line);
  }

  void write(const Event& event) override {
    metrics.count_event(event);
    if (event.action) metrics.count_action(event.action->kind, event.action->result);
    const std::string line = event_to_json_line(event);  // encoded outside the lock
    {
      std::lock_guard lock(sink_mutex);
      append_line(line);
      if (journald) journald->write(event);
    }
    std::lock_guard lock(stats_mutex);
    ++stats.events;
  }

  void write_aggregate(const EventAggregate& aggregate) override {
    metrics.count_aggregate(aggregate);
    const std::string line = aggregate_to_json_line(aggregate);
    std::lock_guard lock(sink_mutex);
    append_line(line);
  }

  void write_hook(const HookResult& result) override {
    const std::string line = hook_result_to_json_line(result);
    std::lock_guard lock(sink_mutex);
    append_line(line);
  }

  PipelineOptions pipeline_options() const {
    PipelineOptions o;
    o.resolve_owner = config.resolve_owner;
    o.complete_events = true;
    o.resolver.force = config.owner_path;
    o.actions = config.actions;
    o.consent = Consent::given;  // the configuration is the consent
    return o;
  }

  void update_gauges(const Tracer& t, const Pipeline& pipeline, Tier tier) {
    MetricsGauges g;
    std::string log_error_note;  // said once the metric shows it
    const TraceStats ts = t.stats();
    g.kernel = ts.kernel;
    g.decode_errors = ts.decode_errors;
    {
      const PipelineStats ws = pipeline.stats();
      g.owner_lookup_failures = ws.failures + ws.lookup_failures;
      g.owner_skipped = ws.skipped;
    }
    if (pipeline.has_actions()) {
      const ActionStats as = pipeline.action_stats();
      g.hooks_run = as.hooks.run;
      g.hooks_skipped = as.hooks.skipped;
      g.hooks_failed = as.hooks.failed;
    }
    {
      std::lock_guard lock(sink_mutex);
      if (log) {
        const EventLogStats ls = log->stats();
        g.log_records = ls.records;
        g.log_write_errors = ls.write_errors;
        g.log_rotations = ls.rotations;
        if (ls.write_errors > reported_log_errors) {  // a full disk: said once per tick, never fatal
          log_error_note = "event log: " + std::to_string(ls.write_errors - reported_log_errors) +
                           " records not written (" + std::strerror(ls.last_errno) +
                           "); counted in bindtrace_log_write_errors_total";
          reported_log_errors = ls.write_errors;
        }
      }
      if (journald) g.journald_errors = journald->errors();
    }
    {
      std::lock_guard lock(stats_mutex);
      g.recorder_drained = stats.recorder_drained;
      g.recorder_overwritten = stats.recorder_overwritten;
    }
    g.tier = tier_name(tier);
    metrics.set_gauges(g);
    if (!log_error_note.empty()) say(log_error_note);
  }

  // SIGHUP: re-read; on error keep running as before. Returns true when the
  // kernel side must be re-attached.
  bool reload() {
    notify_service_manager("RELOADING=1\nSTATUS=reloading the configuration");
    bool reattach = false;
    try {
      AgentConfig next = reload_config();
      apply_sinks(next, false);
      // New filters need new programs; new actions a new pipeline (the
      // programs are then adopted back from the pins, not attached twice).
      reattach = !same_capture(config, next) || !same_actions(config.actions, next.actions);
      config = std::move(next);
      std::lock_guard lock(stats_mutex);
      ++stats.reloads;
      say(std::string("configuration reloaded") + (reattach ? "; re-attaching with the new filters" : ""));
    } catch (const std::exception& e) {
      std::lock_guard lock(stats_mutex);
      ++stats.reload_failures;
      say(std::string("reload failed, keeping the running configuration: ") + e.what());
    }
    log_record({.action = "reload", .config = config.source});
    notify_service_manager("READY=1\nSTATUS=tracing");
    return reattach;
  }

  // Events the flight recorder kept while no agent read the ring buffer.
  void drain_recorder(Pipeline& pipeline) {
    RecorderReadStats rs;
    const std::uint64_t after = last_logged_seq(config.log.enabled ? config.log.path : "");
    std::vector<Event> missed = read_flight_recorder(config.recorder.pin_dir, after, rs);
    for (Event& e : missed) {
      drained_up_to = std::max(drained_up_to, e.seq);
      pipeline.submit(std::move(e));
    }
    pipeline.drain();
    {
      std::lock_guard lock(stats_mutex);
      stats.recorder_drained += rs.read;
      stats.recorder_overwritten += rs.overwritten;
    }
    if (!rs.error.empty()) say("flight recorder: " + rs.error);
    say("flight recorder: " + std::to_string(rs.read) + " events recorded while no agent ran" +
        (rs.overwritten ? ", " + std::to_string(rs.overwritten) + " older ones overwritten (raise [recorder] slots)"
                        : std::string()));
    drained_up_to = std::max(drained_up_to, rs.head);
  }

  // `who` and `check` find a socket's holders through this pinned walk
  // instead of reading every process's fd table. Loading the iterators
  // parses the kernel's BTF: off the start-up path, on a thread of its own.
  std::thread holder_pinner;
  void pin_holder_walk_in_background(const std::string& dir) {
    holder_pinner = std::thread([dir] {
      try {
        {
          SocketIterators iterators;
          iterators.pin_holder_walk(dir);
        }
        ::malloc_trim(0);  // the load parsed the kernel's BTF: give the heap back
      } catch (const Error& e) {
        say(std::string("holder walk for who and check not pinned (they scan /proc instead): ") + e.what());
      }
    });
  }

  void run() {
    apply_sinks(config, true);
    bool first = true;
    while (!stopping.load()) {
      Tracer t(trace_options());
      const Tier tier = t.attach();
      const bool adopted = t.session()->adopted();
      tracer.store(&t);
      say(std::string(adopted ? "adopted the pinned programs (tier " : "attached (tier ") +
          std::string(tier_name(tier)) + ")" +
          (config.recorder.enabled ? ", flight recorder in " + config.recorder.pin_dir : ""));
      if (!adopted && config.recorder.enabled && !t.adopt_failure().empty() &&
          !t.adopt_failure().starts_with("nothing pinned"))
        say("not adopting earlier pins: " + t.adopt_failure());
      log_record({.action = first ? "start" : "reattach",
                  .tier = tier_name(tier),
                  .recorder = !config.recorder.enabled ? "off" : adopted ? "adopted" : "new",
                  .config = config.source});

      Pipeline pipeline(pipeline_options(), t.session(), *this);
      t.set_aggregate_handler([&pipeline](const EventAggregate& a) { pipeline.submit(a); });
      if (adopted && config.recorder.enabled) drain_recorder(pipeline);
      if (first && config.recorder.enabled) pin_holder_walk_in_background(config.recorder.pin_dir);
      if (first) notify_service_manager("READY=1\nSTATUS=tracing");
      first = false;

      bool reattach = false;
      t.run(
          [&](const Event& e) {
            if (e.seq != 0 && e.seq <= drained_up_to) {  // already drained from the recorder
              std::lock_guard lock(stats_mutex);
              ++stats.duplicates;
              return;
            }
            pipeline.submit(e);
          },
          [&](const TraceStats&) {
            update_gauges(t, pipeline, tier);
            if (reload_requested.exchange(false) && reload()) {
              reattach = true;
              t.stop();
            }
            if (stopping.load()) t.stop();
          });
      tracer.store(nullptr);
      // Without a cached minimal BTF every start parses the kernel's: say why.
      if (const std::string note = t.session()->core_btf_note(); note.starts_with("no minimal BTF"))
        say(note);
      pipeline.drain();
      update_gauges(t, pipeline, tier);
      if (!reattach) break;
      std::lock_guard lock(stats_mutex);
      ++stats.reattaches;
      drained_up_to = 0;
    }
    notify_service_manager("STOPPING=1\nSTATUS=stopping");
    if (holder_pinner.joinable()) holder_pinner.join();
    std::lock_guard lock(sink_mutex);
    if (log) log->flush();
    if (server) server->stop();
  }
};

Agent::Agent(AgentConfig config, std::function<AgentConfig()> reload)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(reload))) {}

Agent::~Agent() = default;

void Agent::run() { impl_->run(); }

void Agent::stop() noexcept {
  impl_->stopping.store(true);
  if (Tracer* t = impl_->tracer.load()) t->stop();
}

void Agent::request_reload() noexcept { impl_->reload_requested.store(true); }

AgentStats Agent::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace bindtrace
