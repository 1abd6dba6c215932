// `info --json`: keys in alphabetical order at every level, against the line expected.
#include "bindtrace/format/info_json.hpp"

#include <gtest/gtest.h>

namespace bindtrace {
namespace {

KernelFacts facts() {
  KernelFacts f;
  f.release = "6.8.0-49-generic";
  f.btf = true;
  f.tracefs = "/sys/kernel/tracing";
  f.bpffs = "/sys/fs/bpf";
  f.lockdown = "none";
  f.cgroup2 = "/sys/fs/cgroup";
  f.cap_bpf = true;
  f.cap_perfmon = true;
  f.cap_sys_admin = false;
  f.cap_net_admin = true;
  return f;
}

std::vector<TierTrial> trials() {
  TierTrial fentry{.tier = Tier::fentry, .variant = "fexit/inet_bind", .ok = false, .stage = "attach", .err = 524,
                   .message = "attach \"fexit\"\tfailed", .index_hook = ""};
  TierTrial tracepoint{.tier = Tier::tracepoint,
                       .variant = "tp/syscalls/sys_exit_bind",
                       .ok = true,
                       .stage = "",
                       .err = 0,
                       .message = "",
                       .index_hook = "tp_btf/inet_sock_set_state"};
  return {fentry, tracepoint};
}

TEST(InfoJson, KeysInAlphabeticalOrder) {
  EXPECT_EQ(kernel_info_to_json_line(facts(), trials(), "tracepoint"),
            R"({"auto":"tracepoint","bpffs":"/sys/fs/bpf","btf":true,)"
            R"("capabilities":{"CAP_BPF":true,"CAP_NET_ADMIN":true,"CAP_PERFMON":true,"CAP_SYS_ADMIN":false},)"
            R"("cgroup2":"/sys/fs/cgroup","kernel":"6.8.0-49-generic","lockdown":"none",)"
            R"("tiers":[{"errno":524,"index_hook":"","message":"attach \"fexit\"\tfailed","ok":false,)"
            R"("stage":"attach","tier":"fentry","variant":"fexit/inet_bind"},)"
            R"({"errno":0,"index_hook":"tp_btf/inet_sock_set_state","message":"","ok":true,"stage":"",)"
            R"("tier":"tracepoint","variant":"tp/syscalls/sys_exit_bind"}],"tracefs":"/sys/kernel/tracing"})"
            "\n");
}

TEST(InfoJson, ConfidentialityLockdownIsExplainedAfterLockdown) {
  KernelFacts f = facts();
  f.lockdown = "confidentiality";
  f.tracefs.clear();
  const std::string line = kernel_info_to_json_line(f, {}, "none");
  EXPECT_TRUE(line.starts_with(R"({"auto":"none",)")) << line;
  EXPECT_NE(line.find(R"("lockdown":"confidentiality","lockdown_blocks_tracing":"kernel lockdown is in )"
                      R"(confidentiality mode)"),
            std::string::npos)
      << line;
  EXPECT_TRUE(line.ends_with(R"("tiers":[],"tracefs":""})"
                             "\n"))
      << line;
}

}  // namespace
}  // namespace bindtrace
