// SPDX-License-Identifier: GPL-2.0
/* The listener index: (netns, proto, family, port) -> the last socket that
 * listened there, with the task that made it listen. Kept up to date by
 * inet_sock_set_state, seeded at start by walking every task's files, so a
 * failure is attributed without any /proc walk in the common case. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bindtrace/abi.h"
#include "socket.bpf.h"

#define BT_TCP_CLOSE 7
#define BT_TCP_LISTEN 10
#define BT_IPPROTO_TCP 6
#define BT_IPPROTO_UDP 17
#define BT_S_IFMT 00170000
#define BT_S_IFSOCK 0140000

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	/* LRU maps are preallocated: every trial load pays for the size. 16k
	 * listening endpoints per host is generous; the LRU evicts the oldest. */
	__uint(max_entries, 16384);
	__type(key, struct bt_listener_key);
	__type(value, struct bt_listener);
} listeners SEC(".maps");

static __always_inline bool bt_listener_key_of(struct sock *sk, __u8 proto, struct bt_listener_key *key)
{
	key->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	key->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	key->family = (__u8)BPF_CORE_READ(sk, __sk_common.skc_family);
	key->proto = proto;
	return key->port != 0 && (key->family == BT_AF_INET || key->family == BT_AF_INET6);
}

static __always_inline void bt_listener_fill(struct sock *sk, struct bt_listener_key *key,
					     struct bt_listener *l)
{
	struct bt_sock_info si = {};

	l->sk_id = (__u64)sk;
	/* Explicit sizes: BPF_CORE_READ_INTO on a byte array would copy one byte. */
	if (key->family == BT_AF_INET)
		bpf_core_read(l->addr, 4, &sk->__sk_common.skc_rcv_saddr);
	else
		bpf_core_read(l->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	struct socket *sock = (struct socket *)BPF_CORE_READ(sk, sk_socket);
	bt_read_sock(sock, &si);
	l->sock_flags = si.flags;
	/* SOCK_INODE(sock): other processes holding the socket (forked
	 * workers) are found by this number. */
	if (sock) {
		struct socket_alloc *sa = container_of(sock, struct socket_alloc, socket);
		l->ino = BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
}

static __always_inline int bt_state_change(struct sock *sk, int oldstate, int newstate)
{
	struct bt_listener_key key = {};

	if (BPF_CORE_READ(sk, sk_protocol) != BT_IPPROTO_TCP)
		return 0;
	if (newstate == BT_TCP_LISTEN) {
		if (!bt_listener_key_of(sk, BT_INDEX_TCP, &key))
			return 0;
		struct bt_listener l = {};
		bt_listener_fill(sk, &key, &l);
		l.tgid = bpf_get_current_pid_tgid() >> 32;
		l.start_ns = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), group_leader,
					   start_boottime);
		l.uid = (__u32)bpf_get_current_uid_gid();
		l.cgroup_id = bpf_get_current_cgroup_id();
		l.ts_ns = bpf_ktime_get_boot_ns();
		bpf_get_current_comm(l.comm, sizeof(l.comm));
		bpf_map_update_elem(&listeners, &key, &l, BPF_ANY);
	} else if (oldstate == BT_TCP_LISTEN) {
		/* Keep the entry, marked closed: a failure that happened before the
		 * close is then reported as "gone" with the holder it had. Only
		 * this socket's entry: another may listen there since (SO_REUSEPORT). */
		if (!bt_listener_key_of(sk, BT_INDEX_TCP, &key))
			return 0;
		struct bt_listener *l = bpf_map_lookup_elem(&listeners, &key);
		if (l && l->sk_id == (__u64)sk)
			l->closed_ns = bpf_ktime_get_boot_ns();
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return bt_state_change((struct sock *)sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != BT_IPPROTO_TCP)
		return 0;
	return bt_state_change((struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* Start-up walk: every socket file of every task; TCP listeners and bound UDP
 * sockets go into the index, attributed to the task that holds them. */
SEC("iter/task_file")
int seed_listeners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct bt_listener_key key = {};

	if (!task || !file)
		return 0;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & BT_S_IFMT) != BT_S_IFSOCK)
		return 0;
	struct socket *sock = (struct socket *)BPF_CORE_READ(file, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;

	__u16 protocol = BPF_CORE_READ(sk, sk_protocol);
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	__u8 proto;
	if (protocol == BT_IPPROTO_TCP && state == BT_TCP_LISTEN)
		proto = BT_INDEX_TCP;
	else if (protocol == BT_IPPROTO_UDP)
		proto = BT_INDEX_UDP;
	else
		return 0;
	if (!bt_listener_key_of(sk, proto, &key))
		return 0;
	/* Keep what inet_sock_set_state recorded: it names the task that listened. */
	if (bpf_map_lookup_elem(&listeners, &key))
		return 0;

	struct bt_listener l = {};
	bt_listener_fill(sk, &key, &l);
	l.tgid = BPF_CORE_READ(task, tgid);
	l.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	l.uid = BPF_CORE_READ(task, cred, uid.val);
	l.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	l.seeded = 1;
	BPF_CORE_READ_STR_INTO(&l.comm, task, comm);
	bpf_map_update_elem(&listeners, &key, &l, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
