// `bindtrace trace`: attach, print events as they come, report drops, and on
// exit a summary of failures per endpoint (text mode).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/capture/tracer.hpp"
#include "bindtrace/pipeline.hpp"
#include "bindtrace/unique_fd.hpp"
#include "cli/commands.hpp"
#include "cli/trace_output.hpp"

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

void print_owner_counters(const PipelineStats& s) {
  std::fprintf(stderr,
               "bindtrace: owners resolved %llu (cache hits %llu), not found %llu, skipped under load %llu, "
               "looked up past a still-seeding index %llu\n",
               static_cast<unsigned long long>(s.resolved), static_cast<unsigned long long>(s.cache_hits),
               static_cast<unsigned long long>(s.failures), static_cast<unsigned long long>(s.skipped),
               static_cast<unsigned long long>(s.index_not_ready));
}

PipelineOptions pipeline_options(const CliRequest& request) {
  PipelineOptions o;
  o.resolve_owner = request.resolve_owner;
  o.complete_events = true;  // enrichment runs on the pipeline's thread, off the capture path
  o.resolver.force = request.owner_path;
  o.actions = request.actions;
  o.consent = consent_for(request.actions);
  o.confirm = confirm_on_tty;
  return o;
}

}  // namespace

int run_trace(const CliRequest& request) {
  set_libbpf_verbose(request.verbose);
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe shows up as a write error: stop quietly

  TraceOptions trace_options = request.trace;
  trace_options.defer_enrichment = true;  // the pipeline completes events
  Tracer tracer(trace_options);
  const Tier tier = tracer.attach();
  g_tracer.store(&tracer);
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: poll returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::fprintf(stderr, "bindtrace: attached (tier: %s)\n", std::string(tier_name(tier)).c_str());
  if (request.verbose && tracer.session())
    std::fprintf(stderr, "bindtrace: CO-RE relocated against %s\n", tracer.session()->core_btf_used().c_str());
  std::fflush(stderr);

  TraceOutput output(request.json, use_colour(request.colour), [&tracer] { tracer.stop(); });
  std::uint64_t reported_drops = 0;
  PipelineStats pipeline_stats;
  ActionStats action_stats;
  {
    Pipeline pipeline(pipeline_options(request), tracer.session(), output);
    tracer.set_aggregate_handler([&](const EventAggregate& a) { pipeline.submit(a); });
    tracer.run([&](const Event& event) { pipeline.submit(event); },
               [&](const TraceStats& s) {
                 if (s.kernel.dropped <= reported_drops) return;
                 std::fprintf(stderr, "bindtrace: %llu events lost in the kernel (ring buffer and aggregate map "
                                      "full; try --batch or a larger --ringbuf-size)\n",
                              static_cast<unsigned long long>(s.kernel.dropped - reported_drops));
                 reported_drops = s.kernel.dropped;
               });
    pipeline.drain();
    pipeline_stats = pipeline.stats();
    action_stats = pipeline.action_stats();
  }
  g_tracer.store(nullptr);

  if (output.closed()) return 0;
  TraceStats stats = tracer.stats();
  stats.lookup_failures += pipeline_stats.lookup_failures;
  if (!request.json) {
    output.tally().print(stdout);
    std::fflush(stdout);
  }
  print_counters(stats);
  if (request.resolve_owner) print_owner_counters(pipeline_stats);
  if (request.actions.any()) print_action_counters(action_stats, request.actions);
  // What the background start did about the minimal BTF ("cut ... for the next start", or why not).
  if (request.verbose && tracer.session())
    if (const std::string note = tracer.session()->core_btf_note(); !note.empty())
      std::fprintf(stderr, "bindtrace: %s\n", note.c_str());
  return 0;
}

}  // namespace bindtrace
