// `info --json`, written with JsonWriter. The keys are in alphabetical order
// (upper case first), as this line has always printed them.
#include "bindtrace/format/info_json.hpp"

#include "bindtrace/format/json_writer.hpp"

namespace bindtrace {
namespace {

void write_capabilities(JsonWriter& w, const KernelFacts& facts) {
  w.begin_object();
  w.member("CAP_BPF", facts.cap_bpf);
  w.member("CAP_NET_ADMIN", facts.cap_net_admin);
  w.member("CAP_PERFMON", facts.cap_perfmon);
  w.member("CAP_SYS_ADMIN", facts.cap_sys_admin);
  w.end_object();
}

void write_trial(JsonWriter& w, const TierTrial& t) {
  w.begin_object();
  w.member("errno", t.err);
  w.member("index_hook", t.index_hook);
  w.member("message", t.message);
  w.member("ok", t.ok);
  w.member("stage", t.stage);
  w.member("tier", tier_name(t.tier));
  w.member("variant", t.variant);
  w.end_object();
}

}  // namespace

std::string kernel_info_to_json_line(const KernelFacts& facts, const std::vector<TierTrial>& trials,
                                     std::string_view chosen) {
  JsonWriter w;
  w.begin_object();
  w.member("auto", chosen);
  w.member("bpffs", facts.bpffs);
  w.member("btf", facts.btf);
  w.key("capabilities");
  write_capabilities(w, facts);
  w.member("cgroup2", facts.cgroup2);
  w.member("kernel", facts.release);
  w.member("lockdown", facts.lockdown);
  if (const std::string why = lockdown_explanation(facts.lockdown); !why.empty())
    w.member("lockdown_blocks_tracing", why);
  w.key("tiers");
  w.begin_array();
  for (const TierTrial& t : trials) write_trial(w, t);
  w.end_array();
  w.member("tracefs", facts.tracefs);
  w.end_object();
  std::string line = w.take();
  line.push_back('\n');
  return line;
}

}  // namespace bindtrace
