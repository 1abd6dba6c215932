// The fentry probe (see include/bindtrace/capture/tier_probe.hpp).
#include "bindtrace/capture/tier_probe.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

namespace {

// r0 = 0; exit
constexpr bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

int load_fexit(__u32 attach_btf_id) {
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT, .attach_btf_id = attach_btf_id);
  return bpf_prog_load(BPF_PROG_TYPE_TRACING, "bt_probe", "GPL", kReturnZero, 2, &opts);
}

}  // namespace

bool tracing_programs_refused() {
  // No target: a kernel that takes tracing programs answers EINVAL ("needs
  // attach_btf_id"); EPERM means it refuses them before looking at one.
  UniqueFd fd(load_fexit(0));
  return !fd && errno == EPERM;
}

std::optional<std::string> fentry_refused(const std::string& btf_path) {
  // Stage 1, without the kernel's BTF (parsing it costs ~15 ms).
  if (tracing_programs_refused())
    return std::string("load refused: ") + std::strerror(EPERM) + " (the kernel refuses every fentry/fexit program)";
  // Stage 2: a real target.
  struct BtfDeleter {
    void operator()(btf* b) const noexcept { btf__free(b); }
  };
  std::unique_ptr<btf, BtfDeleter> vmlinux(btf_path.empty() ? btf__load_vmlinux_btf() : btf__parse(btf_path.c_str(), nullptr));
  if (!vmlinux) return std::string("cannot read the kernel's BTF: ") + std::strerror(errno);
  const int id = btf__find_by_name_kind(vmlinux.get(), "inet_bind", BTF_KIND_FUNC);
  if (id <= 0) return std::string("inet_bind is not in the kernel's BTF");
  UniqueFd fd(load_fexit(static_cast<__u32>(id)));
  if (!fd) return std::string("load refused: ") + std::strerror(errno);
  return std::nullopt;
}

}  // namespace bindtrace
