/*
 * bt_hold: a stand-in "backend" that holds one port, for the attribution
 * integration tests. Configured only through the environment, so it accepts
 * ANY argv: copy or symlink it under a forwarder's name (docker-proxy, conmon,
 * slirp4netns, ...) and run it with that program's real command line.
 *
 *   BT_PORT=P        the port (required)
 *   BT_PROTO=udp     bind UDP instead of listening on TCP (default tcp)
 *   BT_ADDR=A        the IPv4 address (default 0.0.0.0)
 *   BT_MAX_SECONDS=N give up holding after N seconds (default 120), so a
 *                    holder a failed test leaves behind cannot live forever
 *
 * SO_REUSEADDR stays off, so a second bt_hold on the same port fails to bind
 * with EADDRINUSE (the "same backend started twice" case).
 *
 * Socket activation: when LISTEN_PID is our pid and LISTEN_FDS >= 1 (systemd,
 * systemd-socket-activate), fd 3 is the socket and nothing is bound.
 *
 * stdout: "ready pid=N port=P" once holding (activated: "ready pid=N port=P
 * activated=1"), or "error op=OP errno=N" and exit 1 when a call fails.
 * Holds until SIGTERM/SIGINT, stdin EOF (only when stdin is a pipe, socket
 * or terminal: /dev/null and files are ignored), or BT_MAX_SECONDS.
 * Exit status: 0 after a hold, 1 a call failed, 2 bad environment.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
	(void)sig;
	stop_requested = 1;
}

static long env_long(const char *name, long fallback) {
	const char *value = getenv(name);
	if (!value || !*value) return fallback;
	char *end = NULL;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (errno || *end) return -1;
	return n;
}

static int fail(const char *op) {
	printf("error op=%s errno=%d\n", op, errno);
	fflush(stdout);
	return 1;
}

/* stdin EOF ends the hold only for a pipe, socket or terminal. */
static bool watch_stdin(void) {
	struct stat st;
	if (fstat(STDIN_FILENO, &st) != 0) return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO);
}

/* systemd's sd_listen_fds() rule: LISTEN_PID is us and LISTEN_FDS >= 1. */
static bool socket_activated(void) {
	long pid = env_long("LISTEN_PID", 0);
	long fds = env_long("LISTEN_FDS", 0);
	return pid == (long)getpid() && fds >= 1;
}

int main(int argc, char **argv) {
	(void)argc;
	(void)argv; /* any command line is accepted on purpose */

	long port = env_long("BT_PORT", -1);
	long max_seconds = env_long("BT_MAX_SECONDS", 120);
	const char *proto = getenv("BT_PROTO");
	const char *addr = getenv("BT_ADDR");
	const bool udp = proto && strcmp(proto, "udp") == 0;
	const bool activated = socket_activated();
	if ((!activated && (port < 0 || port > 65535)) || max_seconds < 0) {
		fprintf(stderr, "bt_hold: set BT_PORT to a port (0-65535) and BT_MAX_SECONDS >= 0\n");
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int fd = 3;
	if (!activated) {
		fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
		if (fd < 0) return fail("socket");
		int off = 0;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &off, sizeof(off)) != 0) return fail("setsockopt");
		struct sockaddr_in sin;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, addr && *addr ? addr : "0.0.0.0", &sin.sin_addr) != 1) {
			fprintf(stderr, "bt_hold: BT_ADDR is no IPv4 address\n");
			return 2;
		}
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) return fail("bind");
		if (!udp && listen(fd, 16) != 0) return fail("listen");
	}

	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &len) != 0) return fail("getsockname");
	printf("ready pid=%ld port=%u%s\n", (long)getpid(), (unsigned)ntohs(local.sin_port),
	       activated ? " activated=1" : "");
	fflush(stdout);

	const bool use_stdin = watch_stdin();
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop_requested) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= max_seconds) break;
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
		int r = poll(&p, use_stdin ? 1 : 0, 200);
		if (r > 0 && use_stdin) {
			char buf[256];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
		}
	}
	close(fd);
	return 0;
}
