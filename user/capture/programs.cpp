// The program names of each tier and of the listener index (capture.bpf.c's
// SEC() functions), in the order a trial tries them.
#include "bindtrace/capture/programs.hpp"

#include <array>

namespace bindtrace {

const std::vector<TierVariant>& tier_variants(Tier tier) {
  static const std::vector<TierVariant> fentry = {
      {"fexit/inet_bind,inet6_bind,unix_bind,inet_listen,inet_{stream,dgram}_connect",
       {"fexit_inet_bind", "fexit_inet6_bind", "fexit_unix_bind", "fexit_inet_listen",
        "fexit_inet_stream_connect", "fexit_inet_dgram_connect"}}};
  static const std::vector<TierVariant> kprobe = {
      {"kprobe+kretprobe/inet_bind,inet6_bind,unix_bind,inet_listen,inet_{stream,dgram}_connect",
       {"kprobe_inet_bind", "kretprobe_inet_bind", "kprobe_inet6_bind", "kretprobe_inet6_bind",
        "kprobe_unix_bind", "kretprobe_unix_bind", "kprobe_inet_listen", "kretprobe_inet_listen",
        "kprobe_inet_stream_connect", "kretprobe_inet_stream_connect", "kprobe_inet_dgram_connect",
        "kretprobe_inet_dgram_connect"}}};
  static const std::vector<TierVariant> tracepoint = {
      {"tracepoint/syscalls/sys_exit_{bind,listen,connect}",
       {"tp_exit_bind", "tp_exit_listen", "tp_exit_connect"}}};
  static const std::vector<TierVariant> raw = {{"tp_btf/sys_exit", {"raw_btf_sys_exit"}},
                                               {"raw_tp/sys_exit", {"raw_tp_sys_exit"}}};
  switch (tier) {
    case Tier::fentry:
      return fentry;
    case Tier::kprobe:
      return kprobe;
    case Tier::tracepoint:
      return tracepoint;
    case Tier::raw:
      return raw;
  }
  return raw;
}

const std::vector<TierVariant>& index_variants(Tier tier) {
  // The iterator that seeds the index (seed_listeners) is loaded after
  // `attached`, in an instance of its own (CaptureSession::seed).
  static const TierVariant btf{"tp_btf/inet_sock_set_state", {"state_btf"}};
  static const TierVariant tp{"tracepoint/sock/inet_sock_set_state", {"state_tp"}};
  static const TierVariant none{"none", {}};
  // fentry parses the kernel's BTF to attach anyway; elsewhere the tracepoint
  // needs none, so a cached minimal BTF serves the whole load.
  static const std::vector<TierVariant> btf_first = {btf, tp, none};
  static const std::vector<TierVariant> tp_first = {tp, btf, none};
  return tier == Tier::fentry ? btf_first : tp_first;
}

bool is_index_program(std::string_view name) {
  return name == "state_btf" || name == "state_tp" || name == "seed_listeners";
}

std::optional<Tier> tier_of_program(std::string_view name) {
  for (Tier tier : std::array{Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw})
    for (const TierVariant& variant : tier_variants(tier))
      for (std::string_view program : variant.programs)
        if (program == name) return tier;
  return std::nullopt;
}

}  // namespace bindtrace
