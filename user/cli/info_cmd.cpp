// `bindtrace info`: kernel facts and every tier's trial, for a person or --json.
#include <sys/utsname.h>

#include <cstdio>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/loader.hpp"
#include "bindtrace/format/info_json.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

std::string yes_no(bool v) { return v ? "yes" : "no"; }

}  // namespace

int run_info(const CliRequest& request) {
  set_libbpf_verbose(request.verbose);
  const KernelFacts facts = probe_kernel_facts();
  raise_memlock_rlimit();  // the trials load programs as the tracer would

  // Each tier on its own, so every trial is shown, not only up to the first success.
  std::vector<TierTrial> trials;
  for (Tier tier : tier_order()) {
    if (!facts.can_trace()) {
      TierTrial t;
      t.tier = tier;
      t.stage = "precondition";
      t.message = missing_privilege_message(facts);
      trials.push_back(t);
      continue;
    }
    CaptureSession session(request.trace.capture);
    TierTrial t = session.try_tier(tier);
    t.tier = tier;
    trials.push_back(std::move(t));
  }
  const KernelFacts after = probe_kernel_facts();  // tracefs may have been mounted by a trial
  std::string chosen = "none";
  for (const TierTrial& t : trials)
    if (t.ok) {
      chosen = std::string(tier_name(t.tier));
      break;
    }

  if (request.json) {
    std::fputs(kernel_info_to_json_line(after, trials, chosen).c_str(), stdout);
    return 0;
  }

  struct utsname uts{};
  ::uname(&uts);
  std::printf("kernel        %s (%s)\n", after.release.c_str(), uts.machine);
  const std::string& external_btf = request.trace.capture.btf_path;
  std::string btf = "/sys/kernel/btf/vmlinux";
  if (auto missing = missing_btf_message(after, external_btf)) btf = "missing: " + *missing;
  else if (!after.btf) btf = escape_for_terminal(external_btf) + " (--btf)";
  std::printf("btf           %s\n", btf.c_str());
  std::printf("tracefs       %s\n", after.tracefs.empty() ? "not mounted" : after.tracefs.c_str());
  std::printf("bpffs         %s\n", after.bpffs.empty() ? "not mounted" : after.bpffs.c_str());
  std::printf("lockdown      %s\n", after.lockdown.empty() ? "unknown (securityfs not mounted)" : after.lockdown.c_str());
  if (const std::string why = lockdown_explanation(after.lockdown); !why.empty())
    std::printf("              %s\n", why.c_str());
  std::printf("cgroup2       %s\n", after.cgroup2.empty() ? "not mounted" : after.cgroup2.c_str());
  std::printf("capabilities  CAP_BPF %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s, CAP_NET_ADMIN %s\n",
              yes_no(after.cap_bpf).c_str(), yes_no(after.cap_perfmon).c_str(), yes_no(after.cap_sys_admin).c_str(),
              yes_no(after.cap_net_admin).c_str());
  std::printf("tiers (in order of preference; each tried by a real load and attach):\n");
  for (const TierTrial& t : trials) {
    std::printf("  %-11s %-4s %s\n", std::string(tier_name(t.tier)).c_str(), t.ok ? "ok" : "no",
                t.ok ? t.variant.c_str() : describe_trial(t).c_str());
    if (t.ok) std::printf("  %-11s      listener index: %s\n", "", t.index_hook.c_str());
  }
  std::printf("auto chooses  %s\n", chosen.c_str());
  return 0;
}

}  // namespace bindtrace
