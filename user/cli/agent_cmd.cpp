// `bindtrace agent [--config FILE] [--log PATH] [--metrics ADDR]`: the
// configuration file, then the command line on top (again on every SIGHUP).
#include <csignal>
#include <cstdio>

#include "bindtrace/agent/agent.hpp"
#include "bindtrace/capture/capture.hpp"
#include "bindtrace/capture/recorder.hpp"
#include "bindtrace/sinks/metrics_server.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

std::atomic<Agent*> g_agent{nullptr};

extern "C" void on_agent_stop(int) {
  if (Agent* a = g_agent.load()) a->stop();
}

extern "C" void on_agent_reload(int) {
  if (Agent* a = g_agent.load()) a->request_reload();
}

bool filter_given(const FilterSpec& f) {
  return f.has_port_filter() || f.has_errno_filter() || f.pid || !f.comm.empty() || f.cgroup_id || f.netns ||
         f.all_binds;
}

// The file (or the defaults), with what the command line says on top.
AgentConfig effective_config(const CliRequest& request) {
  AgentConfig config = request.agent.config_path.empty() ? AgentConfig{} : load_agent_config(request.agent.config_path);
  if (request.agent.log_path) {
    config.log.enabled = true;
    config.log.path = *request.agent.log_path;
  }
  if (request.agent.metrics_address) {
    config.metrics.enabled = *request.agent.metrics_address != "off";
    if (config.metrics.enabled) {
      (void)parse_listen_address(*request.agent.metrics_address);  // a usage error now, not at bind time
      config.metrics.address = *request.agent.metrics_address;
    }
  }
  const TraceOptions& t = request.trace;
  if (filter_given(t.capture.filter)) config.filter = t.capture.filter;
  if (t.attach) config.attach = t.attach;
  if (t.capture.batched) config.batched = true;
  if (t.capture.key_budget != CaptureConfig{}.key_budget) config.key_budget = t.capture.key_budget;
  if (t.capture.ringbuf_bytes != CaptureConfig{}.ringbuf_bytes) config.ringbuf_bytes = t.capture.ringbuf_bytes;
  if (!request.resolve_owner) config.resolve_owner = false;
  if (request.owner_path) config.owner_path = request.owner_path;
  if (request.actions.any() || request.actions.dry_run) config.actions = request.actions;
  if (request.pin_dir != kDefaultPinDir) config.recorder.pin_dir = request.pin_dir;
  return config;
}

}  // namespace

int run_agent(const CliRequest& request) {
  set_libbpf_verbose(request.verbose);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);  // a file-size limit: write() returns EFBIG, counted by the log
  Agent agent(effective_config(request), [&request] { return effective_config(request); });
  g_agent.store(&agent);
  struct sigaction stop{}, reload{};
  stop.sa_handler = on_agent_stop;  // no SA_RESTART: poll returns EINTR
  reload.sa_handler = on_agent_reload;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGHUP, &reload, nullptr);
  try {
    agent.run();
  } catch (...) {
    g_agent.store(nullptr);
    throw;
  }
  g_agent.store(nullptr);
  const AgentStats s = agent.stats();
  std::fprintf(stderr,
               "bindtrace agent: stopped; %llu events logged (%llu from the flight recorder), %llu reloads "
               "(%llu failed); the programs stay pinned in %s (bindtrace unpin removes them)\n",
               static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.recorder_drained),
               static_cast<unsigned long long>(s.reloads), static_cast<unsigned long long>(s.reload_failures),
               request.pin_dir.c_str());
  return 0;
}

}  // namespace bindtrace
