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

#define BT_ABI_VERSION 4

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

/* Which hook tier produced the record. */
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
	__u64 seq;         /* flight-recorder sequence number (1, 2, ...); 0 without the recorder */
};

#define BT_EVENT_SIZE 480

/* The flight recorder (bpf/capture.bpf.c): the last `slots` events, event
 * number `seq` in slot seq % slots. Pinned with the agent's links, so it
 * keeps recording while no agent reads the ring buffer. */
struct bt_recorder_meta {
	__u64 head;        /* sequence number of the newest event (0: none yet) */
	__u32 slots;       /* capacity, a power of two; set by the loader */
	__u32 abi_version; /* BT_ABI_VERSION of the programs that write it */
};

/* Per-CPU counters, summed by user space. Nothing is dropped silently. */
struct bt_counters {
	__u64 seen;     /* failures (and successes with --all) observed */
	__u64 filtered; /* rejected by a filter */
	__u64 emitted;  /* written to the ring buffer */
	__u64 dropped;  /* lost: ring buffer full and the aggregate map full too */
	__u64 aggregated; /* counted in the aggregate map instead (ring buffer congested) */
};

/* Under a failure storm (the ring buffer more than cfg_congested_bytes
 * full), events are counted per key in the aggregate map instead of being
 * sent one by one: user space drains it and reports the counts, so a storm
 * beyond what it can print loses detail, never the count. */
struct bt_aggregate_key {
	__u32 netns;
	__u32 pid;     /* tgid */
	__u16 port;    /* requested port, host order; 0 for unix and listen without address */
	__u16 err;     /* positive errno */
	__u8 op;       /* enum bt_op */
	__u8 family;   /* requested family */
	__u8 pad[2];
};

struct bt_aggregate {
	__u64 count;
	__u64 first_ns; /* CLOCK_BOOTTIME */
	__u64 last_ns;
	char comm[BT_COMM_LEN];
};

/* The listener index (bpf/state.bpf.c): the last socket to listen (TCP) or
 * bind (UDP) on (netns, proto, family, port), kept by inet_sock_set_state and
 * seeded at start by an iter/task_file walk. */
enum bt_index_proto {
	BT_INDEX_TCP = 1,
	BT_INDEX_UDP = 2,
};

struct bt_listener_key {
	__u32 netns;
	__u16 port;   /* host order */
	__u8 proto;   /* enum bt_index_proto */
	__u8 family;  /* AF_INET or AF_INET6 */
};

struct bt_listener {
	__u64 sk_id;      /* kernel identity of the socket; matching only, never shown */
	__u64 cgroup_id;
	__u64 ts_ns;      /* CLOCK_BOOTTIME of the listen (0 when seeded) */
	__u64 closed_ns;  /* CLOCK_BOOTTIME when it stopped listening; 0 while it listens */
	__u64 start_ns;   /* the holder's start_boottime (pid-reuse guard) */
	__u64 ino;        /* the socket's inode (as /proc/PID/fd shows it); 0 when unknown */
	__u32 tgid;       /* 0 when unknown (seeded from a socket no task holds) */
	__u32 uid;
	__u8 addr[16];    /* bound address: IPv4 in the first 4 bytes */
	__u8 sock_flags;  /* enum bt_sock_flag */
	__u8 seeded;      /* 1: found by the start-up walk, not seen listening */
	__u8 pad[6];
	char comm[BT_COMM_LEN];
};

#ifdef __BPF__
_Static_assert(sizeof(struct bt_event) == BT_EVENT_SIZE, "bt_event size");
_Static_assert(__builtin_offsetof(struct bt_event, comm) == 64, "bt_event.comm offset");
_Static_assert(__builtin_offsetof(struct bt_event, addr) == 80, "bt_event.addr offset");
_Static_assert(__builtin_offsetof(struct bt_event, args) == 216, "bt_event.args offset");
_Static_assert(__builtin_offsetof(struct bt_event, seq) == 472, "bt_event.seq offset");
_Static_assert(sizeof(struct bt_recorder_meta) == 16, "bt_recorder_meta size");
_Static_assert(sizeof(struct bt_counters) == 40, "bt_counters size");
_Static_assert(sizeof(struct bt_aggregate_key) == 16, "bt_aggregate_key size");
_Static_assert(sizeof(struct bt_aggregate) == 40, "bt_aggregate size");
_Static_assert(sizeof(struct bt_listener_key) == 8, "bt_listener_key size");
_Static_assert(sizeof(struct bt_listener) == 96, "bt_listener size");
#endif

/* ---- Socket iterators (bpf/sockets.bpf.c, user/owner/iterators.cpp) ----
 * Fixed-size records written with bpf_seq_write and read back from the
 * iterator fd. Not part of the ring buffer: they do not change bt_event. */

/* bt_sock_record.flags (bit 0..3 as enum bt_sock_flag, read from full sockets) */
enum bt_sock_record_flag {
	BT_SOCK_REC_EXPIRY_KNOWN = 1 << 4, /* TIME_WAIT: expires_ms is valid */
};

/* One TCP or UDP socket on the port asked for (TIME_WAIT included). */
struct bt_sock_record {
	__u64 cookie;     /* socket cookie; 0 when unknown */
	__u64 inode;      /* sockfs inode; 0 for TIME_WAIT (kernel-owned) */
	__s64 expires_ms; /* TIME_WAIT: ms until the timer fires (>= 0); else -1 */
	__u32 uid;        /* owner uid as the iterator reports it (0 for TIME_WAIT) */
	__u32 netns;      /* inode of the socket's network namespace */
	__u8 local_addr[16];  /* AF_INET: first 4 bytes; AF_INET6: all 16 */
	__u8 remote_addr[16];
	__u16 family;      /* AF_INET or AF_INET6 */
	__u16 local_port;  /* host order (skc_num) */
	__u16 remote_port; /* host order */
	__u8 protocol;     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 state;        /* skc_state: TCP_LISTEN, TCP_TIME_WAIT, ...; UDP: 7 unless connected */
	__u8 flags;        /* enum bt_sock_flag | enum bt_sock_record_flag */
	__u8 pad[7];
};

#define BT_SOCK_RECORD_SIZE 80

/* A thread-group leader with an fd on one of the wanted socket inodes. */
struct bt_holder_record {
	__u32 tgid; /* in the initial pid namespace */
	__u32 fd;
	__u64 inode;
	char comm[BT_COMM_LEN];
};

#define BT_HOLDER_RECORD_SIZE 32

#ifdef __BPF__
_Static_assert(sizeof(struct bt_sock_record) == BT_SOCK_RECORD_SIZE, "bt_sock_record size");
_Static_assert(__builtin_offsetof(struct bt_sock_record, local_addr) == 32, "bt_sock_record.local_addr offset");
_Static_assert(__builtin_offsetof(struct bt_sock_record, family) == 64, "bt_sock_record.family offset");
_Static_assert(__builtin_offsetof(struct bt_sock_record, flags) == 72, "bt_sock_record.flags offset");
_Static_assert(sizeof(struct bt_holder_record) == BT_HOLDER_RECORD_SIZE, "bt_holder_record size");
_Static_assert(__builtin_offsetof(struct bt_holder_record, comm) == 16, "bt_holder_record.comm offset");
#endif

#endif /* BINDTRACE_ABI_H */
