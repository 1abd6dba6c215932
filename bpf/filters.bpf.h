/* In-kernel filters, configured through .rodata before load so that a busy
 * host pays nothing for events nobody asked for. */
#ifndef BINDTRACE_FILTERS_BPF_H
#define BINDTRACE_FILTERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bindtrace/abi.h"

const volatile __u32 cfg_self_tgid = 0;   /* never trace bindtrace itself */
const volatile __u32 cfg_pid = 0;         /* 0: any process */
const volatile __u64 cfg_cgroup_id = 0;   /* 0: any cgroup */
const volatile __u32 cfg_cgroup_level = 0;
const volatile __u32 cfg_netns = 0;       /* 0: any namespace */
const volatile char cfg_comm[BT_COMM_LEN] = {};
const volatile __u32 cfg_comm_len = 0;    /* 0: any comm */
const volatile __u8 cfg_all_binds = 0;    /* also report successful binds */
const volatile __u8 cfg_no_wakeup = 0;    /* batched mode: user space polls */
const volatile __u8 cfg_errno_filter = 0;
const volatile __u64 cfg_errno_mask[BT_ERRNO_MASK_WORDS] = {};
const volatile __u8 cfg_port_filter = 0;
const volatile __u64 cfg_ports[BT_PORT_WORDS] = {};

static __always_inline bool bt_task_wanted(__u32 tgid)
{
	if (tgid == cfg_self_tgid)
		return false;
	if (cfg_pid && tgid != cfg_pid)
		return false;
	if (cfg_comm_len) {
		char comm[BT_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < BT_COMM_LEN; i++) {
			if (i >= cfg_comm_len)
				break;
			if (comm[i] != cfg_comm[i])
				return false;
		}
	}
	if (cfg_cgroup_id) {
		/* Matches the cgroup and everything below it. */
		if (bpf_get_current_ancestor_cgroup_id(cfg_cgroup_level) != cfg_cgroup_id)
			return false;
	}
	return true;
}

static __always_inline bool bt_errno_wanted(int err)
{
	if (!cfg_errno_filter)
		return true;
	if (err <= 0 || err >= 64 * BT_ERRNO_MASK_WORDS)
		return false;
	__u32 e = (__u32)err;
	return (cfg_errno_mask[e / 64] >> (e % 64)) & 1;
}

/* Ports in host order; a socket without a port (AF_UNIX) never matches a port filter. */
static __always_inline bool bt_port_wanted(int has_port, __u16 port)
{
	if (!cfg_port_filter)
		return true;
	if (!has_port)
		return false;
	return (cfg_ports[port / 64] >> (port % 64)) & 1;
}

static __always_inline bool bt_netns_wanted(__u32 netns)
{
	return !cfg_netns || netns == cfg_netns;
}

#endif
