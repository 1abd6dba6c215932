/* Facts about a struct socket, read with CO-RE, and the fd -> socket lookup
 * the syscall tiers need (they only have the fd number). */
#ifndef BINDTRACE_SOCKET_BPF_H
#define BINDTRACE_SOCKET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "bindtrace/abi.h"

#define BT_AF_UNIX 1
#define BT_AF_INET 2
#define BT_AF_INET6 10

struct bt_sock_info {
	__u64 cookie;
	__u32 netns;
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 local_port; /* host order, bound port (skc_num) */
	__u8 flags;
};

/* SO_REUSEADDR, SO_REUSEPORT and IPV6_V6ONLY: bitfields of sock_common. */
static __always_inline __u8 bt_sock_flags(struct sock *sk)
{
	__u8 flags = BT_SOCK_KNOWN;

	if (BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_reuse))
		flags |= BT_SOCK_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_reuseport))
		flags |= BT_SOCK_REUSEPORT;
	if (BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_ipv6only))
		flags |= BT_SOCK_V6ONLY;
	return flags;
}

static __always_inline void bt_read_sock(struct socket *sock, struct bt_sock_info *info)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (!sk)
		return;
	info->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	info->type = BPF_CORE_READ(sk, sk_type);
	info->protocol = BPF_CORE_READ(sk, sk_protocol);
	info->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	info->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	info->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);

	info->flags = bt_sock_flags(sk);
}

/* current->files->fdt->fd[fd]->private_data. Only called when the syscall
 * got past sockfd_lookup (errno is neither EBADF nor ENOTSOCK). */
static __always_inline struct socket *bt_socket_from_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (!fdt || fd < 0 || fd >= max_fds)
		return NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	return (struct socket *)BPF_CORE_READ(file, private_data);
}

/* For listen(): build the sockaddr from the socket's bound address, in the
 * same layout a caller would have passed to bind(). */
static __always_inline __u32 bt_sockaddr_from_sock(struct socket *sock, __u8 *out)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family;

	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 port_be = bpf_htons(BPF_CORE_READ(sk, __sk_common.skc_num));
	/* The user ABI's sockaddr layouts (family, port, then the address at
	 * offset 4 for IPv4 and 8 for IPv6): written by offset, so that no
	 * CO-RE relocation (a scan of the kernel's BTF each) is needed. */
	if (family == BT_AF_INET) {
		*(__u16 *)out = family;
		*(__u16 *)(out + 2) = port_be;
		bpf_core_read(out + 4, 4, &sk->__sk_common.skc_rcv_saddr);
		return 16; /* sizeof(struct sockaddr_in) */
	}
	if (family == BT_AF_INET6) {
		*(__u16 *)out = family;
		*(__u16 *)(out + 2) = port_be;
		bpf_core_read(out + 8, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		return 28; /* sizeof(struct sockaddr_in6) */
	}
	*(__u16 *)out = family;
	return sizeof(__u16);
}

#endif
