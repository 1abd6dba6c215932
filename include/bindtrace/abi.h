/* The one header shared by the BPF programs and user space: the ring-buffer
 * record, the counters and the constants both sides agree on. Plain C,
 * fixed-width types, explicit padding; bump BT_ABI_VERSION on any change. */
#ifndef BINDTRACE_ABI_H
#define BINDTRACE_ABI_H

#ifdef __BPF__
/* vmlinux.h already provides __u8 .. __u64 */
#else
#include <linux/types.h>
#endif

#define BT_ABI_VERSION 2

#define BT_COMM_LEN 16
/* Large enough for sockaddr_un (110 bytes) and sockaddr_in6 (28 bytes). */
#define BT_ADDR_MAX 128
/* The start of the caller's argument area, copied at event time: short-lived
 * processes are gone before user space could read /proc/PID/cmdline. */
#define BT_ARGS_MAX 256
#define BT_ERRNO_MASK_WORDS 2 /* errno values 1..127 can be filtered */
#define BT_PORT_WORDS 1024    /* 65536-bit port bitmap */

/* Which call failed. */
enum bt_op {
	BT_OP_BIND = 1,
	BT_OP_LISTEN = 2,
	BT_OP_CONNECT = 3,
};

/* Which hook tier produced the record (DESIGN.md "Hook tiers"). */
enum bt_tier {
	BT_TIER_FENTRY = 1,
	BT_TIER_KPROBE = 2,
	BT_TIER_TRACEPOINT = 3,
	BT_TIER_RAW = 4,
};

/* bt_event.sock_flags */
enum bt_sock_flag {
	BT_SOCK_KNOWN = 1 << 0,     /* the socket was found; the fields below are valid */
	BT_SOCK_REUSEADDR = 1 << 1, /* SO_REUSEADDR set (sk_reuse) */
	BT_SOCK_REUSEPORT = 1 << 2, /* SO_REUSEPORT set */
	BT_SOCK_V6ONLY = 1 << 3,    /* IPV6_V6ONLY set */
};

/* One failed (or, with --all, successful) bind/listen/connect. addr holds the
 * sockaddr the caller asked for, byte for byte (for listen: built from the
 * socket's bound address), so user space decodes every family the same way. */
struct bt_event {
	__u64 ts_ns;       /* CLOCK_BOOTTIME */
	__u64 cgroup_id;   /* cgroup v2 id of the task */
	__u64 sock_cookie; /* sk_cookie, 0 when never assigned */
	__u32 pid;         /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 netns;       /* inode of the socket's network namespace */
	__s32 err;         /* positive errno; 0 = success (only with --all) */
	__u16 op;          /* enum bt_op */
	__u16 tier;        /* enum bt_tier */
	__u16 sock_family; /* sk_family of the socket */
	__u16 sock_type;   /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 sock_protocol;
	__u8 sock_flags;   /* enum bt_sock_flag */
	__u8 pad0;
	__u32 addr_len;    /* length the caller passed (may exceed BT_ADDR_MAX) */
	char comm[BT_COMM_LEN];
	__u8 addr[BT_ADDR_MAX];
	__u32 args_len;    /* mm->arg_end - arg_start; 0 for kernel threads */
	__u32 pad1;
	__u8 args[BT_ARGS_MAX]; /* NUL-separated, first BT_ARGS_MAX bytes */
};

#define BT_EVENT_SIZE 472

/* Per-CPU counters, summed by user space. Nothing is dropped silently. */
struct bt_counters {
	__u64 seen;     /* failures (and successes with --all) observed */
	__u64 filtered; /* rejected by a filter */
	__u64 emitted;  /* written to the ring buffer */
	__u64 dropped;  /* ring buffer full */
};

#ifdef __BPF__
_Static_assert(sizeof(struct bt_event) == BT_EVENT_SIZE, "bt_event size");
_Static_assert(__builtin_offsetof(struct bt_event, comm) == 64, "bt_event.comm offset");
_Static_assert(__builtin_offsetof(struct bt_event, addr) == 80, "bt_event.addr offset");
_Static_assert(__builtin_offsetof(struct bt_event, args) == 216, "bt_event.args offset");
_Static_assert(sizeof(struct bt_counters) == 32, "bt_counters size");
#endif

#endif /* BINDTRACE_ABI_H */
