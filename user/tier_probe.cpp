// The fentry probe (see include/bindtrace/tier_probe.hpp).
#include "bindtrace/tier_probe.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

std::optional<std::string> fentry_refused(const std::string& btf_path) {
  struct BtfDeleter {
    void operator()(btf* b) const noexcept { btf__free(b); }
  };
  std::unique_ptr<btf, BtfDeleter> vmlinux(btf_path.empty() ? btf__load_vmlinux_btf() : btf__parse(btf_path.c_str(), nullptr));
  if (!vmlinux) return std::string("cannot read the kernel's BTF: ") + std::strerror(errno);
  const int id = btf__find_by_name_kind(vmlinux.get(), "inet_bind", BTF_KIND_FUNC);
  if (id <= 0) return std::string("inet_bind is not in the kernel's BTF");
  // r0 = 0; exit
  const bpf_insn program[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
              .attach_btf_id = static_cast<__u32>(id));
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_TRACING, "bt_probe", "GPL", program, 2, &opts));
  if (!fd) return std::string("load refused: ") + std::strerror(errno);
  return std::nullopt;
}

}  // namespace bindtrace
