// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for start-up and memory (docs/PERFORMANCE.md (6)(7)): the least a
 * libbpf tool needs to count failed binds, one tracepoint program and one
 * counter. The equivalent of the bpftrace one-liner
 *   tracepoint:syscalls:sys_exit_bind /args->ret == -98/ { @[comm] = count(); }
 * without the per-comm key.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define EADDRINUSE 98

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} eaddrinuse_count SEC(".maps");

SEC("tracepoint/syscalls/sys_exit_bind")
int count_eaddrinuse(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret != -EADDRINUSE)
		return 0;
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&eaddrinuse_count, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
