/*
 * bt_bare_loader: the floor for bindtrace's start-up and memory figures
 * (docs/PERFORMANCE.md (6)(7)). The libbpf skeleton life cycle and nothing
 * else: open and load bare_loader.bpf.c, attach it, print "attached" on
 * stderr, wait for SIGINT or SIGTERM, print "eaddrinuse N" on stdout, exit.
 * Root (or CAP_BPF + CAP_PERFMON, and CAP_SYS_ADMIN to mount tracefs).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bare_loader.skel.h"

static volatile sig_atomic_t g_stop;

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* libbpf finds a tracepoint's id in tracefs, which a fresh machine may not
 * have mounted. libbpf 1.1 looks under /sys/kernel/debug/tracing when that
 * exists, else under /sys/kernel/tracing. */
static int ensure_tracefs(void)
{
	if (is_dir("/sys/kernel/debug/tracing/events") || is_dir("/sys/kernel/tracing/events"))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0)
		return 0;
	fprintf(stderr, "bt_bare_loader: cannot mount tracefs at /sys/kernel/tracing: %s\n", strerror(errno));
	return -1;
}

int main(void)
{
	/* SIGINT/SIGTERM stay blocked except inside sigsuspend(), so a signal that
	 * arrives while loading ends the wait at once instead of being lost. */
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigset_t stop_signals, waiting;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, &waiting);

	if (ensure_tracefs())
		return 1;
	struct bare_loader *skel = bare_loader__open_and_load();
	if (!skel) {
		fprintf(stderr, "bt_bare_loader: cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	int err = bare_loader__attach(skel);
	if (err) {
		fprintf(stderr, "bt_bare_loader: cannot attach tracepoint/syscalls/sys_exit_bind: %s\n",
			strerror(-err));
		bare_loader__destroy(skel);
		return 1;
	}
	fprintf(stderr, "attached\n");

	while (!g_stop)
		sigsuspend(&waiting);

	__u32 key = 0;
	__u64 count = 0;
	err = bpf_map__lookup_elem(skel->maps.eaddrinuse_count, &key, sizeof(key), &count, sizeof(count), 0);
	bare_loader__destroy(skel);
	if (err) {
		fprintf(stderr, "bt_bare_loader: cannot read the counter: %s\n", strerror(-err));
		return 1;
	}
	printf("eaddrinuse %llu\n", (unsigned long long)count);
	return 0;
}
