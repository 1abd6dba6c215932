/*
 * bt_hostile: a process that tries to attack the terminal watching a tracer,
 * for the hardening tests. Its argv is whatever the test passes (escape
 * sequences, invalid UTF-8, empty arguments, a long argument): it is ignored
 * after the action. Everything else comes from the environment, so the test
 * chooses every byte:
 *
 *   BT_COMM=BYTES      its comm (prctl PR_SET_NAME; the kernel keeps 15 bytes)
 *   BT_CWD=DIR         chdir there first (a directory with a hostile name)
 *   BT_PORT=P          the TCP port on 127.0.0.1 (required)
 *   BT_UNIX_PATH=PATH  fail: bind a unix socket there twice (the second fails)
 *   BT_ABSTRACT=HEX    fail: bind this abstract name (hex, so it may hold NUL
 *                      bytes) twice (the second fails)
 *   BT_BIG_ARGS=N      replace the argument area with N bytes of escape
 *                      sequences, invalid UTF-8 and NUL runs (prctl
 *                      PR_SET_MM_MAP): /proc/PID/cmdline is then N bytes
 *
 * Actions:
 *   hold  listen on 127.0.0.1:P without SO_REUSEADDR
 *   fail  bind 127.0.0.1:P (EADDRINUSE while held), then the unix binds
 *
 * stdout, one line each, flushed: "bigargs N" (when BT_BIG_ARGS is set),
 * "failed what=tcp|unix|abstract errno=N" per expected failure, then
 * "ready pid=P". Both actions then hold until stdin reaches EOF.
 * Exit status: 0 as described, 1 a call failed unexpectedly, 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *op) {
	printf("error op=%s errno=%d\n", op, errno);
	fflush(stdout);
	return 1;
}

static void report(const char *what, int err) {
	printf("failed what=%s errno=%d\n", what, err);
	fflush(stdout);
}

/* One cycle of the argument area: clear screen, set title, bell, invalid
 * UTF-8, a bidi override, CR/LF and a run of NULs (empty arguments). */
static const char kHostileArgs[] = "\x1b[2J\x1b]0;owned\a"
				   "\xff\xfe\xc0\x80\r\n\t\xe2\x80\xae"
				   "rm -rf /\0\0\0";

/* Fields 26.. of /proc/self/stat (1-based field number -> value). */
static int read_stat_fields(unsigned long long *fields, int count) {
	char buf[4096];
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f) return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *at = strrchr(buf, ')'); /* comm may hold spaces and ')' */
	if (!at) return -1;
	at++;
	for (int field = 3; field < count; field++) {
		char *end = NULL;
		while (*at == ' ') at++;
		fields[field] = strtoull(at, &end, 10);
		if (end == at) { /* field 3 (state) is a letter */
			while (*at && *at != ' ') at++;
			continue;
		}
		at = end;
	}
	return 0;
}

/* PR_SET_MM_MAP needs no privilege (only changing exe_fd does), so any
 * process can point its argument area at megabytes of its own memory. */
static int replace_args(size_t size) {
	char *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) return fail("mmap");
	for (size_t at = 0; at < size; at++) area[at] = kHostileArgs[at % (sizeof(kHostileArgs) - 1)];
	/* A last byte other than NUL would make the kernel show one page only
	 * (fs/proc/base.c: get_mm_proctitle). */
	area[size - 1] = '\0';

	unsigned long long f[53] = {0};
	if (read_stat_fields(f, 53) != 0) return fail("stat");
	struct prctl_mm_map map;
	memset(&map, 0, sizeof(map));
	map.start_code = f[26];
	map.end_code = f[27];
	map.start_stack = f[28];
	map.start_data = f[45];
	map.end_data = f[46];
	map.start_brk = f[47];
	map.brk = (unsigned long)sbrk(0);
	map.arg_start = (unsigned long)area;
	map.arg_end = (unsigned long)(area + size);
	map.env_start = f[50];
	map.env_end = f[51];
	map.exe_fd = (unsigned)-1;
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map, sizeof(map), 0) != 0) return fail("prctl");
	printf("bigargs %zu\n", size);
	fflush(stdout);
	return 0;
}

static int hex_value(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Binds `addr` twice; the second bind must fail. */
static int bind_twice(const char *what, const struct sockaddr_un *addr, socklen_t len) {
	int first = socket(AF_UNIX, SOCK_STREAM, 0);
	int second = socket(AF_UNIX, SOCK_STREAM, 0);
	if (first < 0 || second < 0) return fail("socket");
	if (bind(first, (const struct sockaddr *)addr, len) != 0) return fail("bind");
	if (bind(second, (const struct sockaddr *)addr, len) == 0) return fail("bind-succeeded");
	report(what, errno);
	close(second);
	return 0; /* `first` stays bound until exit */
}

static int unix_failures(void) {
	const char *path = getenv("BT_UNIX_PATH");
	if (path && *path) {
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path)) return 2;
		strcpy(sun.sun_path, path);
		unlink(path);
		if (bind_twice("unix", &sun, sizeof(sun))) return 1;
	}
	const char *hex = getenv("BT_ABSTRACT");
	if (hex && *hex) {
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		size_t n = strlen(hex) / 2;
		if (strlen(hex) % 2 || n + 1 > sizeof(sun.sun_path)) return 2;
		for (size_t i = 0; i < n; i++) {
			int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
			if (hi < 0 || lo < 0) return 2;
			sun.sun_path[1 + i] = (char)(hi * 16 + lo); /* sun_path[0] = 0: abstract */
		}
		if (bind_twice("abstract", &sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n))) return 1;
	}
	return 0;
}

static void hold_until_stdin_eof(void) {
	for (;;) {
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR) return;
		char buf[256];
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;
	}
}

int main(int argc, char **argv) {
	const char *port_text = getenv("BT_PORT");
	long port = port_text ? strtol(port_text, NULL, 10) : -1;
	if (argc < 2 || (strcmp(argv[1], "hold") != 0 && strcmp(argv[1], "fail") != 0) || port < 1 || port > 65535) {
		fprintf(stderr, "usage: BT_PORT=P bt_hostile hold|fail [ANY...] (see the comment at the top)\n");
		return 2;
	}
	const int holding = strcmp(argv[1], "hold") == 0;
	const char *cwd = getenv("BT_CWD");
	if (cwd && *cwd && chdir(cwd) != 0) return fail("chdir");
	const char *comm = getenv("BT_COMM");
	if (comm && *comm && prctl(PR_SET_NAME, comm, 0, 0, 0) != 0) return fail("prctl");
	const char *big = getenv("BT_BIG_ARGS");
	if (big && *big && replace_args((size_t)strtoul(big, NULL, 10))) return 1;

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) return fail("socket");
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		if (holding) return fail("bind");
		report("tcp", errno);
	} else if (!holding) {
		return fail("bind-succeeded");
	} else if (listen(fd, 16) != 0) {
		return fail("listen");
	}
	if (!holding) {
		int rc = unix_failures();
		if (rc) return rc;
	}
	printf("ready pid=%ld\n", (long)getpid());
	fflush(stdout);
	hold_until_stdin_eof();
	return 0;
}
