// Hooks per event (see actions/hook.hpp): a fixed pool of `concurrency`
// threads, each running one hook at a time to completion.
#include "bindtrace/actions/hook.hpp"

#include "bindtrace/actions/command.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/event_json.hpp"

namespace bindtrace {
namespace {

constexpr std::size_t kOutputCap = 64 << 10;

std::string service_name(const std::optional<Service>& service) {
  return service && service->manager != ManagerKind::none ? service->name : std::string();
}

}  // namespace

std::vector<std::string> hook_environment(const Event& event) {
  std::vector<std::string> env;
  auto set = [&](const char* key, const std::string& value) {
    // The environment cannot carry NUL bytes; what follows one is lost anyway.
    if (!value.empty()) env.push_back(std::string(key) + "=" + value.substr(0, value.find('\0')));
  };
  set("BINDTRACE_EVENT", std::string(event_name(event)));
  set("BINDTRACE_PROTO",
      event.endpoint.family == Family::unix_ ? "unix" : std::string(proto_name(event.proto)));
  set("BINDTRACE_ADDR", event.endpoint.address);
  if (event.endpoint.has_port()) set("BINDTRACE_PORT", std::to_string(event.endpoint.port));
  if (event.err != 0) {
    const std::string_view name = errno_name(event.err);
    set("BINDTRACE_ERROR", name.empty() ? "errno " + std::to_string(event.err) : std::string(name));
  }
  set("BINDTRACE_PID", std::to_string(event.process.pid));
  set("BINDTRACE_COMM", event.process.comm);
  set("BINDTRACE_SERVICE", service_name(event.process.service));
  if (event.owner) {
    set("BINDTRACE_OWNER_KIND", std::string(owner_kind_name(event.owner->kind)));
    if (!event.owner->holders.empty()) {
      const Holder& h = event.owner->holders.front();
      set("BINDTRACE_OWNER_PID", std::to_string(h.pid));
      set("BINDTRACE_OWNER_COMM", h.comm);
      set("BINDTRACE_OWNER_SERVICE", service_name(h.service));
    }
  }
  if (event.diagnosis) set("BINDTRACE_DIAGNOSIS", std::string(diagnosis_code_name(event.diagnosis->code)));
  if (event.action) set("BINDTRACE_ACTION", event.action->result);
  return env;
}

std::string hook_result_to_text(const HookResult& r) {
  std::string text =
      "hook " + describe_command_end(r.run) + " in " + std::to_string(r.run.elapsed_ms) + " ms";
  if (r.event_seq != 0) text += " (event " + std::to_string(r.event_seq) + ")";
  if (!r.run.output.empty()) text += ": " + escape_for_terminal(r.run.output);
  if (r.run.output_truncated) text += " [output truncated at 64 KiB]";
  return text;
}

HookRunner::HookRunner(std::string command, std::chrono::milliseconds timeout, unsigned concurrency,
                       OnDone on_done)
    : command_(std::move(command)),
      timeout_(timeout),
      concurrency_(concurrency == 0 ? 1 : concurrency),
      on_done_(std::move(on_done)) {
  for (unsigned i = 0; i < concurrency_; ++i) workers_.emplace_back([this] { work(); });
}

HookRunner::~HookRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

bool HookRunner::start(const Event& event) {
  {
    std::lock_guard lock(mutex_);
    if (running_ + pending_.size() >= concurrency_) {
      ++stats_.skipped;
      return false;
    }
    pending_.push_back(event);
  }
  wake_.notify_one();
  return true;
}

void HookRunner::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return pending_.empty() && running_ == 0; });
}

HookStats HookRunner::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void HookRunner::work() {
  for (;;) {
    Event event;
    {
      std::unique_lock lock(mutex_);
      // Stopping still runs what was started: a hook accepted is a hook run.
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      event = std::move(pending_.front());
      pending_.pop_front();
      ++running_;
    }
    CommandSpec spec;
    spec.argv = {"/bin/sh", "-c", command_};
    spec.extra_env = hook_environment(event);
    spec.input = event_to_json_line(event);
    spec.timeout = timeout_;
    spec.output_cap = kOutputCap;
    HookResult result{.command = command_,
                      .run = run_command(spec),
                      .event_seq = event.seq,
                      .event_time_ns = event.realtime_ns};
    {
      std::lock_guard lock(mutex_);
      ++stats_.run;
      if (result.failed()) ++stats_.failed;
      if (result.run.timed_out) ++stats_.timed_out;
    }
    if (on_done_) on_done_(result);
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    idle_.notify_all();
  }
}

}  // namespace bindtrace
