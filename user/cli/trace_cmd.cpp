// `bindtrace trace`: attach, print events as they come, report drops, and on
// exit a summary of failures per endpoint (text mode).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

#include "bindtrace/actions/runner.hpp"
#include "bindtrace/capture/capture.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/owner/worker.hpp"
#include "bindtrace/sinks.hpp"
#include "bindtrace/capture/tracer.hpp"
#include "bindtrace/unique_fd.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

std::atomic<Tracer*> g_tracer{nullptr};
std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  g_stop_requested.store(true);
  if (Tracer* t = g_tracer.load()) t->stop();
}

// Asks on the controlling terminal; anything but y/yes, a stop request (^C)
// or five minutes without an answer is a no.
bool confirm_on_tty(const std::string& question) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty) return false;
  if (::write(tty.get(), question.data(), question.size()) < 0) return false;
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!g_stop_requested && std::chrono::steady_clock::now() < deadline) {
    pollfd p{tty.get(), POLLIN, 0};
    if (::poll(&p, 1, 250) <= 0) continue;
    char c = 0;
    if (::read(tty.get(), &c, 1) != 1 || c == '\n') break;
    if (answer.size() < 16) answer += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return answer == "y" || answer == "yes";
}

Consent consent_for(const ActionOptions& o) {
  if (o.yes || o.dry_run) return Consent::given;
  return ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO) ? Consent::ask : Consent::unavailable;
}

void print_action_counters(const ActionStats& s, const ActionOptions& o) {
  if (o.act != ActKind::none) {
    std::string line = "bindtrace: actions:";
    if (s.results.empty()) line += " none";
    bool first = true;
    for (const auto& [result, count] : s.results) {
      line += (first ? " " : ", ") + result + " " + std::to_string(count);
      first = false;
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (!o.exec.empty())
    std::fprintf(stderr, "bindtrace: hooks run %llu, skipped %llu (all busy), failed %llu, timed out %llu\n",
                 static_cast<unsigned long long>(s.hooks.run), static_cast<unsigned long long>(s.hooks.skipped),
                 static_cast<unsigned long long>(s.hooks.failed), static_cast<unsigned long long>(s.hooks.timed_out));
}

bool use_colour(ColourMode mode) {
  if (mode != ColourMode::auto_) return mode == ColourMode::always;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && term && std::string(term) != "dumb";
}

// Failures per endpoint, for the exit summary.
class EndpointTally {
 public:
  void add(const Event& e) {
    std::string endpoint = e.endpoint.family == Family::unix_ ? "unix" : std::string(proto_name(e.proto));
    endpoint += " " + escape_for_terminal(to_string(e.endpoint));
    ++counts_[{std::string(event_name(e)), e.err, endpoint}];
  }

  void add_aggregate(const EventAggregate& a) {
    std::string endpoint = std::string(family_name(a.family));
    if (a.family == Family::ipv4 || a.family == Family::ipv6) endpoint += " port " + std::to_string(a.port);
    counts_[{std::string(aggregate_event_name(a)), a.err, endpoint}] += a.count;
  }

  void print(std::FILE* out) const {
    if (counts_.empty()) return;
    std::vector<std::pair<Key, std::uint64_t>> rows(counts_.begin(), counts_.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::fprintf(out, "\n%8s  %-14s %-14s %s\n", "count", "event", "error", "endpoint");
    for (const auto& [key, count] : rows) {
      const auto& [event, err, endpoint] = key;
      const std::string_view name = errno_name(err);
      std::fprintf(out, "%8llu  %-14s %-14s %s\n", static_cast<unsigned long long>(count), event.c_str(),
                   err == 0 ? "-" : std::string(name.empty() ? "errno " + std::to_string(err) : name).c_str(),
                   endpoint.c_str());
    }
  }

 private:
  using Key = std::tuple<std::string, int, std::string>;
  std::map<Key, std::uint64_t> counts_;
};

void print_counters(const TraceStats& s) {
  std::fprintf(stderr,
               "bindtrace: seen %llu, filtered %llu, emitted %llu, aggregated %llu (storm: counted in the kernel), "
               "dropped %llu (ring buffer and aggregate map full), printed %llu, undecodable %llu, "
               "process lookups failed %llu\n",
               static_cast<unsigned long long>(s.kernel.seen), static_cast<unsigned long long>(s.kernel.filtered),
               static_cast<unsigned long long>(s.kernel.emitted), static_cast<unsigned long long>(s.kernel.aggregated),
               static_cast<unsigned long long>(s.kernel.dropped), static_cast<unsigned long long>(s.delivered),
               static_cast<unsigned long long>(s.decode_errors), static_cast<unsigned long long>(s.lookup_failures));
}

}  // namespace

int run_trace(const CliRequest& request) {
  set_libbpf_verbose(request.verbose);
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe shows up as a write error: stop quietly

  TraceOptions trace_options = request.trace;
  // With owner lookups, cgroup paths and long command lines are completed on
  // the worker's thread, off the capture path.
  trace_options.defer_enrichment = request.resolve_owner;
  Tracer tracer(trace_options);
  const Tier tier = tracer.attach();
  g_tracer.store(&tracer);
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: poll returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::fprintf(stderr, "bindtrace: attached (tier: %s)\n", std::string(tier_name(tier)).c_str());
  std::fflush(stderr);

  std::unique_ptr<Sink> sink;
  if (request.json) sink = std::make_unique<JsonLinesSink>(stdout);
  else sink = std::make_unique<TextSink>(stdout, use_colour(request.colour));

  EndpointTally tally;
  std::uint64_t reported_drops = 0;
  std::atomic<bool> output_closed{false};
  std::mutex out_mutex;  // events (worker or action thread) and storm counts (tracer thread)
  std::unique_ptr<OwnerWorker> worker;
  auto after_write = [&] {  // under out_mutex
    if (std::ferror(stdout)) {  // EPIPE: the reader (e.g. head) is gone
      output_closed = true;
      tracer.stop();
    }
  };
  // Runs on the owner worker's thread (or inline without owner lookups), one
  // event at a time, so events stay in order. Output is flushed once the
  // worker has caught up: one write per burst, not per event.
  auto print = [&](const Event& event) {
    std::lock_guard lock(out_mutex);
    if (output_closed) return;
    sink->write(event);
    if (!worker || worker->pending() == 0) sink->flush();
    after_write();
    if (!output_closed) tally.add(event);
  };
  tracer.set_aggregate_handler([&](const EventAggregate& aggregate) {
    std::lock_guard lock(out_mutex);
    if (output_closed) return;
    const std::string line = request.json ? aggregate_to_json_line(aggregate) : aggregate_to_text(aggregate);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    after_write();
    if (!output_closed) tally.add_aggregate(aggregate);
  });
  // Actions and hooks come after the owner lookup: they need the owner.
  std::unique_ptr<ActionRunner> actions;
  if (request.actions.any()) {
    ActionCallbacks callbacks;
    callbacks.deliver = print;
    callbacks.on_hook = [](const HookResult& result) {
      std::fprintf(stderr, "bindtrace: %s\n", hook_result_to_text(result).c_str());
    };
    callbacks.confirm = confirm_on_tty;
    actions = std::make_unique<ActionRunner>(request.actions, std::move(callbacks), consent_for(request.actions));
  }
  auto after_owner = [&](const Event& event) {
    if (actions) actions->submit(event);
    else print(event);
  };
  if (request.resolve_owner) {
    ResolverOptions resolver_options;
    resolver_options.force = request.owner_path;
    worker = std::make_unique<OwnerWorker>(resolver_options, tracer.session(), after_owner, 4096,
                                           std::chrono::milliseconds(250), /*complete_events=*/true);
  }
  tracer.run(
      [&](const Event& event) {
        if (worker) worker->submit(event);
        else after_owner(event);
      },
      [&](const TraceStats& s) {
        if (s.kernel.dropped > reported_drops) {
          std::fprintf(stderr, "bindtrace: %llu events lost in the kernel (ring buffer and aggregate map full; "
                               "try --batch or a larger --ringbuf-size)\n",
                       static_cast<unsigned long long>(s.kernel.dropped - reported_drops));
          reported_drops = s.kernel.dropped;
        }
      });
  OwnerWorkerStats owner_stats;
  if (worker) {
    worker->drain();
    owner_stats = worker->stats();
    worker.reset();
  }
  ActionStats action_stats;
  const bool actions_wanted = actions != nullptr;
  if (actions) {
    actions->drain();
    action_stats = actions->stats();
    actions.reset();
  }
  g_tracer.store(nullptr);

  if (output_closed) return 0;
  TraceStats stats = tracer.stats();
  stats.lookup_failures += owner_stats.lookup_failures;
  if (!request.json) {
    tally.print(stdout);
    std::fflush(stdout);
  }
  print_counters(stats);
  if (request.resolve_owner)
    std::fprintf(stderr, "bindtrace: owners resolved %llu (cache hits %llu), not found %llu, skipped under load %llu\n",
                 static_cast<unsigned long long>(owner_stats.resolved),
                 static_cast<unsigned long long>(owner_stats.cache_hits),
                 static_cast<unsigned long long>(owner_stats.failures),
                 static_cast<unsigned long long>(owner_stats.skipped));
  if (actions_wanted) print_action_counters(action_stats, request.actions);
  return 0;
}

}  // namespace bindtrace
