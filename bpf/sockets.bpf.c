// SPDX-License-Identifier: GPL-2.0
/* Socket iterators (docs/architecture.md): iter/tcp and iter/udp list the
 * sockets on one port, TIME_WAIT included with its expiry; iter/task_file
 * finds the tasks holding given socket inodes. User space sets the filters in
 * .bss and fills wanted_inodes before each run, then reads fixed-size records
 * (include/bindtrace/abi.h) from the iterator fd. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bindtrace/abi.h"
#include "socket.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define BT_IPPROTO_TCP 6
#define BT_IPPROTO_UDP 17
#define BT_TCP_TIME_WAIT 6
#define BT_TCP_LISTEN 10
#define BT_TCP_NEW_SYN_RECV 12
#define BT_S_IFMT 0170000
#define BT_S_IFSOCK 0140000
#define BT_MAX_WANTED_INODES 16384

/* Jiffies per second, for the TIME_WAIT expiry; 0 when libbpf cannot read
 * the kernel config (then the expiry is reported unknown). */
extern int CONFIG_HZ __kconfig __weak;

/* Written by user space before each run; 0 = every port. */
__u16 target_port = 0;
__u8 listening_only = 0;

/* Socket inodes whose holders are wanted; filled and cleared by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BT_MAX_WANTED_INODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u8);
} wanted_inodes SEC(".maps");

static __always_inline bool bt_port_wanted(__u16 port)
{
	return target_port == 0 || port == target_port;
}

/* Addresses, ports and netns: valid on full, request and timewait socks alike,
 * as they all start with struct sock_common. */
static __always_inline void bt_fill_common(struct sock_common *skc, struct bt_sock_record *r)
{
	r->family = BPF_CORE_READ(skc, skc_family);
	r->local_port = BPF_CORE_READ(skc, skc_num);
	r->remote_port = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	r->state = BPF_CORE_READ(skc, skc_state);
	r->netns = BPF_CORE_READ(skc, skc_net.net, ns.inum);
	r->expires_ms = -1;
	if (r->family == BT_AF_INET6) {
		BPF_CORE_READ_INTO(&r->local_addr, skc, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r->remote_addr, skc, skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)r->local_addr, skc, skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)r->remote_addr, skc, skc_daddr);
	}
}

/* Options and inode: only a full socket has them. The inode is
 * SOCK_INODE(sk->sk_socket)->i_ino, as sock_i_ino() reads it. */
static __always_inline void bt_fill_full(struct sock *sk, struct bt_sock_record *r)
{
	r->flags = bt_sock_flags(sk);

	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	if (sock) {
		struct socket_alloc *sa = container_of(sock, struct socket_alloc, socket);
		r->inode = BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
}

SEC("iter/tcp")
int list_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct bt_sock_record r = {};

	if (!skc)
		return 0;
	__u16 port = BPF_CORE_READ(skc, skc_num);
	__u8 state = BPF_CORE_READ(skc, skc_state);
	if (!bt_port_wanted(port))
		return 0;
	/* Embryonic connections on a listener's port: the listener is the owner. */
	if (state == BT_TCP_NEW_SYN_RECV)
		return 0;
	if (listening_only && state != BT_TCP_LISTEN)
		return 0;

	bt_fill_common(skc, &r);
	r.protocol = BT_IPPROTO_TCP;
	r.uid = ctx->uid;
	r.cookie = bpf_get_socket_cookie(skc);

	if (state == BT_TCP_TIME_WAIT) {
		/* skc_state stays TCP_TIME_WAIT for every timewait sock, whatever
		 * tw_substate (FIN_WAIT2) says: all of them hold the port. */
		struct tcp_timewait_sock *tw = bpf_skc_to_tcp_timewait_sock(skc);
		if (tw && CONFIG_HZ > 0) {
			__u64 expires = BPF_CORE_READ(tw, tw_sk.tw_timer.expires);
			__u64 now = bpf_jiffies64();
			__u64 left = expires > now ? expires - now : 0;
			r.expires_ms = (__s64)(left * 1000 / CONFIG_HZ);
			r.flags |= BT_SOCK_REC_EXPIRY_KNOWN;
		}
	} else {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
		if (tp)
			bt_fill_full((struct sock *)tp, &r);
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/udp")
int list_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct bt_sock_record r = {};

	if (!udp)
		return 0;
	struct sock *sk = (struct sock *)udp;
	if (!bt_port_wanted(BPF_CORE_READ(sk, __sk_common.skc_num)))
		return 0;
	/* Every socket in the UDP table is bound: listening_only keeps them all. */
	bt_fill_common(&sk->__sk_common, &r);
	r.protocol = BT_IPPROTO_UDP;
	r.uid = ctx->uid;
	r.cookie = bpf_get_socket_cookie(sk);
	bt_fill_full(sk, &r);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/task_file")
int find_holders(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct bt_holder_record r = {};

	if (!task || !file)
		return 0;
	/* Threads share the leader's files table; report each process once. */
	if (task->pid != task->tgid)
		return 0;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & BT_S_IFMT) != BT_S_IFSOCK)
		return 0;
	__u64 ino = BPF_CORE_READ(file, f_inode, i_ino);
	if (!bpf_map_lookup_elem(&wanted_inodes, &ino))
		return 0;

	r.tgid = task->tgid;
	r.fd = ctx->fd;
	r.inode = ino;
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->comm);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
