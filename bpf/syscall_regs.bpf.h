/* Per-architecture syscall numbers and argument access from the saved user
 * registers, for the exit-only syscall tiers. */
#ifndef BINDTRACE_SYSCALL_REGS_BPF_H
#define BINDTRACE_SYSCALL_REGS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#if defined(__TARGET_ARCH_x86)
#define BT_NR_CONNECT 42
#define BT_NR_BIND 49
#define BT_NR_LISTEN 50
/* x86: orig_ax keeps the syscall number; ax is overwritten by the return value. */
#define BT_SYSCALL_NR(regs) ((long)BPF_CORE_READ((regs), orig_ax))
/* From a BTF pointer: plain loads (no helper call) at the offsets of x86-64's
 * struct pt_regs, fixed by the entry code and the ptrace ABI: declared here
 * so that no CO-RE relocation (a scan of the kernel's BTF) is needed. */
struct bt_x86_64_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax;
};
#define BT_X86_REGS(regs) ((const struct bt_x86_64_regs *)(regs))
#define BT_SYSCALL_NR_BTF(regs) ((long)BT_X86_REGS(regs)->orig_ax)
#define BT_SYSCALL_ARG1_BTF(regs) (BT_X86_REGS(regs)->di)
#define BT_SYSCALL_ARG2_BTF(regs) (BT_X86_REGS(regs)->si)
#define BT_SYSCALL_ARG3_BTF(regs) (BT_X86_REGS(regs)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define BT_NR_BIND 200
#define BT_NR_LISTEN 201
#define BT_NR_CONNECT 203
#define BT_SYSCALL_NR(regs) ((long)BPF_CORE_READ((regs), syscallno))
/* From a BTF pointer: plain loads; x0 holds the return value at exit. */
#define BT_SYSCALL_NR_BTF(regs) ((long)(regs)->syscallno)
#define BT_SYSCALL_ARG1_BTF(regs) ((regs)->orig_x0)
#define BT_SYSCALL_ARG2_BTF(regs) ((regs)->regs[1])
#define BT_SYSCALL_ARG3_BTF(regs) ((regs)->regs[2])
#else
#error "bindtrace: unsupported target architecture (x86 and arm64 are supported)"
#endif

/* PT_REGS_PARMn_CORE_SYSCALL reads orig_x0 on arm64, where x0 already holds
 * the return value at exit (arch/arm64/kernel/syscall.c). */
#define BT_SYSCALL_ARG1(regs) PT_REGS_PARM1_CORE_SYSCALL(regs)
#define BT_SYSCALL_ARG2(regs) PT_REGS_PARM2_CORE_SYSCALL(regs)
#define BT_SYSCALL_ARG3(regs) PT_REGS_PARM3_CORE_SYSCALL(regs)

#endif
