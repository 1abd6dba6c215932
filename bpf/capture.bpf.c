// SPDX-License-Identifier: GPL-2.0
/* Capture of failed bind/listen/connect calls, with the endpoint the caller
 * asked for. Every hook tier lives here; the loader turns autoload off for
 * all programs but the tier under trial (docs/architecture.md). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bindtrace/abi.h"
#include "filters.bpf.h"
#include "socket.bpf.h"
#include "syscall_regs.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define BT_EADDRINUSE 98
#define BT_EADDRNOTAVAIL 99
#define BT_EBADF 9
#define BT_ENOTSOCK 88

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bt_counters);
} counters SEC(".maps");

/* Past this much unread data in the ring buffer, aggregate instead of
 * sending (0: never; the loader sets half the ring). */
const volatile __u64 cfg_congested_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bt_aggregate_key);
	__type(value, struct bt_aggregate);
} aggregates SEC(".maps");

/* Counts one event under its key; false when the map is full. */
static __always_inline bool bt_aggregate(const struct bt_aggregate_key *key)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct bt_aggregate *agg = bpf_map_lookup_elem(&aggregates, key);
	if (agg) {
		__sync_fetch_and_add(&agg->count, 1);
		agg->last_ns = now;
		return true;
	}
	struct bt_aggregate fresh = { .count = 1, .first_ns = now, .last_ns = now };
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	if (bpf_map_update_elem(&aggregates, key, &fresh, BPF_NOEXIST) == 0)
		return true;
	/* Another CPU created it meanwhile. */
	agg = bpf_map_lookup_elem(&aggregates, key);
	if (!agg)
		return false;
	__sync_fetch_and_add(&agg->count, 1);
	return true;
}

/* Slots of the flight recorder (a power of two); 0: no recorder (trace). */
const volatile __u32 cfg_recorder_slots = 0;

/* The flight recorder: the last cfg_recorder_slots events, kept in the kernel
 * so that failures are recorded while no agent reads the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by the loader (a power of two) */
	__type(key, __u32);
	__type(value, struct bt_event);
} recorder SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bt_recorder_meta);
} recorder_meta SEC(".maps");

/* Arguments a kprobe stashes for its kretprobe, keyed by pid_tgid. */
struct bt_kprobe_args {
	struct socket *sock;
	const void *uaddr;
	__s64 addr_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct bt_kprobe_args);
} kprobe_args SEC(".maps");

static __always_inline struct bt_counters *bt_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

/* Which results are worth an event: every failed bind and listen, connect
 * only when the local side is the problem, successful binds with --all. */
static __always_inline bool bt_result_wanted(int op, long ret)
{
	if (op == BT_OP_CONNECT)
		return ret == -BT_EADDRINUSE || ret == -BT_EADDRNOTAVAIL;
	if (op == BT_OP_BIND && ret == 0)
		return cfg_all_binds;
	return ret < 0;
}

/* Events per key and second sent in full; past it they are counted in the
 * aggregate map (0: no limit). A storm from one process on one endpoint costs
 * a hash lookup per failure instead of a 480-byte record. */
const volatile __u32 cfg_key_budget = 0;

struct bt_budget {
	__u64 window_ns; /* start of the current one-second window */
	__u64 sent;      /* events sent in full in it */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bt_aggregate_key);
	__type(value, struct bt_budget);
} budgets SEC(".maps");

#define BT_SECOND_NS 1000000000ULL

/* Whether one more event of this key may be sent in full. Approximate under
 * races between CPUs (a few more may pass), never more restrictive. */
static __always_inline bool bt_within_budget(const struct bt_aggregate_key *key)
{
	if (!cfg_key_budget)
		return true;
	__u64 now = bpf_ktime_get_boot_ns();
	struct bt_budget *b = bpf_map_lookup_elem(&budgets, key);
	if (!b) {
		struct bt_budget fresh = { .window_ns = now, .sent = 1 };
		bpf_map_update_elem(&budgets, key, &fresh, BPF_ANY);
		return true;
	}
	if (now - b->window_ns >= BT_SECOND_NS) {
		b->window_ns = now;
		b->sent = 1;
		return true;
	}
	if (b->sent >= cfg_key_budget)
		return false;
	__sync_fetch_and_add(&b->sent, 1);
	return true;
}

/* The network namespace of the calling task (the aggregate key's netns:
 * known without reading the socket). */
static __always_inline __u32 bt_task_netns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* Step of bt_emit: the socket facts the filters and the key need before
 * anything is built, read only for listen (its port is the socket's) or
 * when a netns filter is set. The socket is found from the fd when the
 * syscall got past sockfd_lookup. True when si was read. */
static __always_inline bool bt_early_sock(int op, long ret, struct socket **sock, long fd,
					  struct bt_sock_info *si)
{
	if (!*sock && fd >= 0 && ret != -BT_EBADF && ret != -BT_ENOTSOCK && (op == BT_OP_LISTEN || cfg_netns))
		*sock = bt_socket_from_fd(fd);
	if (*sock && (op == BT_OP_LISTEN || cfg_netns)) {
		bt_read_sock(*sock, si);
		return true;
	}
	return false;
}

/* Step of bt_emit: the requested family and port (network order): the first
 * four bytes of any sockaddr, or the bound socket's for listen. */
static __always_inline void bt_requested_endpoint(int op, const void *uaddr, long addr_len, bool user_mem,
						  const struct bt_sock_info *si, __u16 *family,
						  __u16 *port_be)
{
	if (op != BT_OP_LISTEN && uaddr && addr_len >= 2) {
		__u16 head[2] = {};
		long n = addr_len >= 4 ? 4 : 2;
		if (user_mem)
			bpf_probe_read_user(head, n, uaddr);
		else
			bpf_probe_read_kernel(head, n, uaddr);
		*family = head[0];
		*port_be = head[1];
	} else if (op == BT_OP_LISTEN) {
		*family = si->family;
		*port_be = bpf_htons(si->local_port);
	}
}

/* Step of bt_emit: the configured task, errno, port and netns filters. */
static __always_inline bool bt_filters_pass(__u32 tgid, int err, __u16 family, __u16 port_be,
					    const struct bt_sock_info *si)
{
	bool has_port = family == BT_AF_INET || family == BT_AF_INET6;

	return bt_task_wanted(tgid) && bt_errno_wanted(err) && bt_port_wanted(has_port, bpf_ntohs(port_be)) &&
	       !(cfg_netns && !bt_netns_wanted(si->netns));
}

/* An event that is not sent in full: counted under its key, or as dropped
 * when the aggregate map is full. */
static __always_inline void bt_count_aggregated(const struct bt_aggregate_key *key, struct bt_counters *cnt)
{
	if (bt_aggregate(key))
		__sync_fetch_and_add(&cnt->aggregated, 1);
	else
		__sync_fetch_and_add(&cnt->dropped, 1);
}

/* Step of bt_emit: the place the event is built in. With the recorder, its
 * next slot (seq and in_recorder set), the event then being copied to the
 * ring buffer so that it is kept even when the ring buffer is full; else a
 * ring buffer reservation. NULL when neither is available. */
static __always_inline struct bt_event *bt_reserve(__u64 *seq, bool *in_recorder)
{
	struct bt_event *e = NULL;

	if (cfg_recorder_slots) {
		__u32 zero = 0;
		struct bt_recorder_meta *meta = bpf_map_lookup_elem(&recorder_meta, &zero);
		if (meta) {
			*seq = __sync_fetch_and_add(&meta->head, 1) + 1;
			__u32 slot = (__u32)*seq & (cfg_recorder_slots - 1);
			e = bpf_map_lookup_elem(&recorder, &slot);
		}
	}
	*in_recorder = e != NULL;
	if (!e)
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	return e;
}

/* Step of bt_emit: the facts about the caller and its socket. */
static __always_inline void bt_fill_record(struct bt_event *e, struct task_struct *task, __u64 pid_tgid,
					   int err, int op, __u16 tier, const struct bt_sock_info *si)
{
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->sock_cookie = si->cookie;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->netns = si->netns;
	e->err = err;
	e->op = op;
	e->tier = tier;
	e->sock_family = si->family;
	e->sock_type = si->type;
	e->sock_protocol = si->protocol;
	e->sock_flags = si->flags;
	e->pad0 = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* Step of bt_emit: the endpoint, as the caller passed it (clamped to
 * BT_ADDR_MAX), or built from the bound socket for listen. */
static __always_inline void bt_copy_endpoint(struct bt_event *e, int op, struct socket *sock, const void *uaddr,
					     long addr_len, bool user_mem)
{
	__builtin_memset(e->addr, 0, sizeof(e->addr));

	if (op == BT_OP_LISTEN) {
		e->addr_len = sock ? bt_sockaddr_from_sock(sock, e->addr) : 0;
		return;
	}
	long n = addr_len;
	if (n < 0)
		n = 0;
	if (n > BT_ADDR_MAX)
		n = BT_ADDR_MAX;
	e->addr_len = addr_len < 0 ? 0 : (__u32)addr_len;
	if (uaddr && n > 0) {
		if (user_mem)
			bpf_probe_read_user(e->addr, n & (BT_ADDR_MAX * 2 - 1), uaddr);
		else
			bpf_probe_read_kernel(e->addr, n & (BT_ADDR_MAX * 2 - 1), uaddr);
	}
}

/* Step of bt_emit: the caller's command line (its first BT_ARGS_MAX bytes). */
static __always_inline void bt_copy_args(struct bt_event *e, struct task_struct *task)
{
	e->args_len = 0;
	e->pad1 = 0;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	if (!mm)
		return;
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	__u32 total = end > start ? (__u32)(end - start) : 0;
	long rc = 0;
	/* A constant size, or a masked one: the verifier needs a provable bound. */
	if (total >= BT_ARGS_MAX)
		rc = bpf_probe_read_user(e->args, BT_ARGS_MAX, (const void *)start);
	else if (total > 0) {
		__u64 size = total;
		barrier_var(size); /* keep clang from dropping the mask below */
		size &= BT_ARGS_MAX - 1;
		rc = bpf_probe_read_user(e->args, size, (const void *)start);
	}
	e->args_len = rc ? 0 : total;
}

/* Step of bt_emit: hands the built event to the reader. A recorder slot is
 * published (seq written last) and copied to the ring buffer; a reservation
 * is submitted. False when the copy could not be made (congested or full):
 * the event is then kept in the recorder only, and counted for the reader. */
static __always_inline bool bt_submit(struct bt_event *e, bool in_recorder, __u64 seq, bool congested,
				      const struct bt_aggregate_key *key, struct bt_counters *cnt)
{
	if (!in_recorder) {
		bpf_ringbuf_submit(e, cfg_no_wakeup ? BPF_RB_NO_WAKEUP : 0);
		return true;
	}
	barrier();
	e->seq = seq;
	if (congested || bpf_ringbuf_output(&events, e, sizeof(*e), cfg_no_wakeup ? BPF_RB_NO_WAKEUP : 0)) {
		bt_count_aggregated(key, cnt);
		return false;
	}
	return true;
}

/* The common path of every tier. For the syscall tiers sock is NULL and fd
 * names it: the socket is only looked up when the event is sent in full.
 * uaddr points to user memory for the syscall tiers and to the kernel copy
 * for the others. */
static __always_inline int bt_emit(int op, long ret, struct socket *sock, long fd, const void *uaddr,
				   long addr_len, bool user_mem, __u16 tier)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct bt_counters *cnt;
	struct bt_sock_info si = {};
	__u16 family = 0, port_be = 0;
	int err = ret < 0 ? (int)-ret : 0;

	if (!bt_result_wanted(op, ret) || tgid == cfg_self_tgid)
		return 0;
	cnt = bt_counters();
	if (!cnt)
		return 0;
	__sync_fetch_and_add(&cnt->seen, 1);

	bool have_sock = bt_early_sock(op, ret, &sock, fd, &si);
	bt_requested_endpoint(op, uaddr, addr_len, user_mem, &si, &family, &port_be);
	if (!bt_filters_pass(tgid, err, family, port_be, &si)) {
		__sync_fetch_and_add(&cnt->filtered, 1);
		return 0;
	}

	struct bt_aggregate_key key = {
		.netns = have_sock ? si.netns : bt_task_netns(),
		.pid = tgid,
		.port = bpf_ntohs(port_be),
		.err = (__u16)err,
		.op = (__u8)op,
		.family = (__u8)family,
	};

	/* Past the key's budget, or a storm (the reader is behind): count
	 * instead of sending (cheap: no event to build), unless the recorder
	 * wants the whole event. */
	bool over_budget = !bt_within_budget(&key);
	bool congested = cfg_congested_bytes &&
			 bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > cfg_congested_bytes;
	if (over_budget || (congested && !cfg_recorder_slots)) {
		bt_count_aggregated(&key, cnt);
		return 0;
	}

	if (!have_sock) {
		if (!sock && fd >= 0 && ret != -BT_EBADF && ret != -BT_ENOTSOCK)
			sock = bt_socket_from_fd(fd);
		if (sock)
			bt_read_sock(sock, &si);
	}

	__u64 seq = 0;
	bool in_recorder = false;
	struct bt_event *e = bt_reserve(&seq, &in_recorder);
	if (!e) {
		bt_count_aggregated(&key, cnt);
		return 0;
	}
	e->seq = 0; /* a reader takes the slot only once seq matches (written last) */

	struct task_struct *task = bpf_get_current_task_btf();
	bt_fill_record(e, task, pid_tgid, err, op, tier, &si);
	bt_copy_endpoint(e, op, sock, uaddr, addr_len, user_mem);
	bt_copy_args(e, task);

	if (bt_submit(e, in_recorder, seq, congested, &key, cnt))
		__sync_fetch_and_add(&cnt->emitted, 1);
	return 0;
}

/* ---- tier 1: fexit on the protocol handlers (sees io_uring and in-kernel callers) ---- */

SEC("fexit/inet_bind")
int BPF_PROG(fexit_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return bt_emit(BT_OP_BIND, ret, sock, -1, uaddr, addr_len, false, BT_TIER_FENTRY);
}

SEC("fexit/inet6_bind")
int BPF_PROG(fexit_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return bt_emit(BT_OP_BIND, ret, sock, -1, uaddr, addr_len, false, BT_TIER_FENTRY);
}

SEC("fexit/unix_bind")
int BPF_PROG(fexit_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return bt_emit(BT_OP_BIND, ret, sock, -1, uaddr, addr_len, false, BT_TIER_FENTRY);
}

SEC("fexit/inet_listen")
int BPF_PROG(fexit_inet_listen, struct socket *sock, int backlog, int ret)
{
	return bt_emit(BT_OP_LISTEN, ret, sock, -1, NULL, 0, false, BT_TIER_FENTRY);
}

SEC("fexit/inet_stream_connect")
int BPF_PROG(fexit_inet_stream_connect, struct socket *sock, struct sockaddr *uaddr, int addr_len,
	     int flags, int ret)
{
	return bt_emit(BT_OP_CONNECT, ret, sock, -1, uaddr, addr_len, false, BT_TIER_FENTRY);
}

SEC("fexit/inet_dgram_connect")
int BPF_PROG(fexit_inet_dgram_connect, struct socket *sock, struct sockaddr *uaddr, int addr_len,
	     int flags, int ret)
{
	return bt_emit(BT_OP_CONNECT, ret, sock, -1, uaddr, addr_len, false, BT_TIER_FENTRY);
}

/* ---- tier 2: kprobe + kretprobe on the same handlers, arguments stashed per thread ---- */

static __always_inline int bt_kprobe_stash(struct socket *sock, const void *uaddr, long addr_len)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct bt_kprobe_args args = { .sock = sock, .uaddr = uaddr, .addr_len = addr_len };

	bpf_map_update_elem(&kprobe_args, &id, &args, BPF_ANY);
	return 0;
}

static __always_inline int bt_kretprobe(int op, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct bt_kprobe_args *args = bpf_map_lookup_elem(&kprobe_args, &id);

	if (!args)
		return 0;
	struct bt_kprobe_args a = *args;
	bpf_map_delete_elem(&kprobe_args, &id);
	return bt_emit(op, ret, a.sock, -1, a.uaddr, a.addr_len, false, BT_TIER_KPROBE);
}

#define BT_KPROBE_PAIR(fn, op)                                                          \
	SEC("kprobe/" #fn)                                                              \
	int BPF_KPROBE(kprobe_##fn, struct socket *sock, struct sockaddr *uaddr, int len) \
	{                                                                               \
		return bt_kprobe_stash(sock, uaddr, len);                               \
	}                                                                               \
	SEC("kretprobe/" #fn)                                                           \
	int BPF_KRETPROBE(kretprobe_##fn, int ret)                                      \
	{                                                                               \
		return bt_kretprobe(op, ret);                                           \
	}

BT_KPROBE_PAIR(inet_bind, BT_OP_BIND)
BT_KPROBE_PAIR(inet6_bind, BT_OP_BIND)
BT_KPROBE_PAIR(unix_bind, BT_OP_BIND)
BT_KPROBE_PAIR(inet_stream_connect, BT_OP_CONNECT)
BT_KPROBE_PAIR(inet_dgram_connect, BT_OP_CONNECT)

SEC("kprobe/inet_listen")
int BPF_KPROBE(kprobe_inet_listen, struct socket *sock)
{
	return bt_kprobe_stash(sock, NULL, 0);
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kretprobe_inet_listen, int ret)
{
	return bt_kretprobe(BT_OP_LISTEN, ret);
}

/* ---- tiers 3 and 4: syscall exit only; arguments from the saved user registers ---- */

/* regs_btf: regs is a BTF pointer (tp_btf, bpf_task_pt_regs) that the
 * program may read directly; raw_tp passes a plain pointer. */
static __always_inline int bt_syscall_exit(struct pt_regs *regs, bool regs_btf, int op, long ret, __u16 tier)
{
	const void *uaddr = NULL;
	long addr_len = 0;

	if (!bt_result_wanted(op, ret))
		return 0;
	long fd = regs_btf ? (long)BT_SYSCALL_ARG1_BTF(regs) : (long)BT_SYSCALL_ARG1(regs);
	if (op != BT_OP_LISTEN) {
		uaddr = (const void *)(regs_btf ? BT_SYSCALL_ARG2_BTF(regs) : BT_SYSCALL_ARG2(regs));
		addr_len = (int)(regs_btf ? BT_SYSCALL_ARG3_BTF(regs) : BT_SYSCALL_ARG3(regs));
	}
	return bt_emit(op, ret, NULL, fd, uaddr, addr_len, true, tier);
}

static __always_inline struct pt_regs *bt_current_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* The record of the syscalls:sys_exit_NAME tracepoints (their tracefs
 * format file): 8 bytes of common fields, the syscall number, the return
 * value at offset 16. Declared here, not taken from vmlinux.h, so it costs
 * no CO-RE relocation. */
struct bt_sys_exit_args {
	__u64 common;
	int syscall_nr;
	int pad;
	long ret;
};

SEC("tracepoint/syscalls/sys_exit_bind")
int tp_exit_bind(struct bt_sys_exit_args *ctx)
{
	return bt_syscall_exit(bt_current_regs(), true, BT_OP_BIND, ctx->ret, BT_TIER_TRACEPOINT);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_exit_listen(struct bt_sys_exit_args *ctx)
{
	return bt_syscall_exit(bt_current_regs(), true, BT_OP_LISTEN, ctx->ret, BT_TIER_TRACEPOINT);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tp_exit_connect(struct bt_sys_exit_args *ctx)
{
	return bt_syscall_exit(bt_current_regs(), true, BT_OP_CONNECT, ctx->ret, BT_TIER_TRACEPOINT);
}

static __always_inline int bt_raw_sys_exit(struct pt_regs *regs, bool regs_btf, long ret)
{
	long nr = regs_btf ? BT_SYSCALL_NR_BTF(regs) : BT_SYSCALL_NR(regs);

	/* Fast reject first: this runs on every syscall of every task. */
	if (nr == BT_NR_BIND)
		return bt_syscall_exit(regs, regs_btf, BT_OP_BIND, ret, BT_TIER_RAW);
	if (nr == BT_NR_LISTEN)
		return bt_syscall_exit(regs, regs_btf, BT_OP_LISTEN, ret, BT_TIER_RAW);
	if (nr == BT_NR_CONNECT)
		return bt_syscall_exit(regs, regs_btf, BT_OP_CONNECT, ret, BT_TIER_RAW);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_btf_sys_exit, struct pt_regs *regs, long ret)
{
	return bt_raw_sys_exit(regs, true, ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_tp_sys_exit, struct pt_regs *regs, long ret)
{
	return bt_raw_sys_exit(regs, false, ret);
}
