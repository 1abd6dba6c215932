// The trace loop: privilege check -> tier choice -> poll -> decode -> enrich.
#include "bindtrace/capture/tracer.hpp"

#include <unistd.h>

#include <chrono>

#include "bindtrace/events/clock.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/recorder.hpp"

namespace bindtrace {

Tracer::Tracer(TraceOptions options) : options_(std::move(options)), enricher_(options_.proc_root) {
  if (options_.capture.self_tgid == 0) options_.capture.self_tgid = static_cast<std::uint32_t>(::getpid());
}

Tracer::~Tracer() = default;

Tier Tracer::attach() {
  const KernelFacts facts = probe_kernel_facts();
  if (!facts.can_trace()) throw UnsupportedError(missing_privilege_message(facts));
  if (auto no_btf = missing_btf_message(facts, options_.capture.btf_path)) throw UnsupportedError(*no_btf);
  raise_memlock_rlimit();  // before 5.11 maps and programs count against RLIMIT_MEMLOCK

  session_ = std::make_unique<CaptureSession>(options_.capture);
  if (!options_.pin_dir.empty()) {
    ensure_bpffs();
    if (auto adopted = session_->adopt(options_.pin_dir, adopt_failure_)) {
      trials_ = {*adopted};
      realtime_offset_ns_ = BootClock().to_realtime_ns(0);
      session_->finish_start_in_background();
      return adopted->tier;
    }
    remove_pins(options_.pin_dir);  // incompatible or partial: start over
  }
  TierChoice choice = choose_tier(*session_, options_.attach);
  trials_ = std::move(choice.trials);
  if (!choice.chosen) {
    std::string reasons;
    for (const TierTrial& t : trials_) reasons += (reasons.empty() ? "" : "; ") + describe_trial(t);
    session_.reset();
    if (const std::string lockdown = lockdown_explanation(facts.lockdown); !lockdown.empty())
      reasons = lockdown + "; " + reasons;
    if (options_.attach)
      throw UnsupportedError("--attach " + std::string(tier_name(*options_.attach)) + ": " + reasons);
    throw UnsupportedError("no hook tier attaches on this kernel: " + reasons);
  }
  if (!options_.pin_dir.empty()) session_->pin(options_.pin_dir);
  realtime_offset_ns_ = BootClock().to_realtime_ns(0);
  session_->finish_start_in_background();
  return *choice.chosen;
}

void Tracer::run(const EventHandler& on_event, const TickHandler& on_tick) {
  if (!session_ || !session_->attached()) throw RuntimeError("tracer is not attached");
  using Clock = std::chrono::steady_clock;
  const auto deadline = options_.duration_ms ? Clock::now() + std::chrono::milliseconds(options_.duration_ms)
                                             : Clock::time_point::max();
  auto limit_reached = [&] { return options_.max_events && stats_.delivered >= options_.max_events; };

  const CaptureSession::RecordHandler handler = [&](std::span<const std::uint8_t> record) {
    if (limit_reached()) return;  // not stop_: what the kernel already sent is delivered
    DecodeResult decoded = decode_event(record, realtime_offset_ns_);
    if (!decoded.event) {
      ++stats_.decode_errors;
      return;
    }
    if (decoded.event->process.pid == options_.capture.self_tgid) {  // adopted programs exclude the old agent
      ++stats_.self_events;
      return;
    }
    if (!options_.defer_enrichment) stats_.lookup_failures += enricher_.complete(*decoded.event);
    ++stats_.delivered;
    on_event(*decoded.event);
  };

  auto next_tick = Clock::now() + std::chrono::seconds(1);
  while (!stop_.load() && !limit_reached()) {
    auto now = Clock::now();
    if (now >= next_tick) {
      drain_aggregates();
      if (on_tick) on_tick(stats());
      next_tick = now + std::chrono::seconds(1);
    }
    if (now >= deadline) break;
    int timeout = options_.poll_interval_ms;
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      timeout = static_cast<int>(std::min<long long>(timeout, std::max<long long>(left, 1)));
    }
    session_->poll(timeout, handler);
  }
  // Stopped (signal, duration): the events already in the ring buffer were
  // seen by the kernel and counted as emitted; deliver them, don't lose them.
  if (!limit_reached()) session_->poll(0, handler);
  drain_aggregates();
}

void Tracer::drain_aggregates() {
  if (!on_aggregate_ || !session_) return;
  for (const auto& [key, value] : session_->drain_aggregates()) {
    EventAggregate a = decode_aggregate(key, value, realtime_offset_ns_);
    if (a.pid == options_.capture.self_tgid) continue;
    stats_.aggregated_delivered += a.count;
    on_aggregate_(a);
  }
}

TraceStats Tracer::stats() const {
  TraceStats s = stats_;
  if (session_) s.kernel = session_->counters();
  return s;
}

}  // namespace bindtrace
