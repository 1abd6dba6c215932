/*
 * bt_stubborn: holds TCP 0.0.0.0:$BT_PORT like bt_hold but ignores SIGTERM
 * and SIGINT, so only SIGKILL ends it early: the owner that `--act
 * stop-owner` must kill after its grace.
 *
 *   BT_PORT=P        the port (required)
 *   BT_MAX_SECONDS=N give up after N seconds (default 120)
 *
 * stdout: "ready pid=N port=P" once listening, or "error op=OP errno=N" and
 * exit 1. Holds until stdin EOF (when stdin is a pipe) or BT_MAX_SECONDS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void) {
	const char *port_text = getenv("BT_PORT");
	const char *max_text = getenv("BT_MAX_SECONDS");
	const long port = port_text ? strtol(port_text, NULL, 10) : -1;
	const long max_seconds = max_text ? strtol(max_text, NULL, 10) : 120;
	if (port < 0 || port > 65535 || max_seconds < 0) {
		fprintf(stderr, "bt_stubborn: set BT_PORT to a port (0-65535)\n");
		return 2;
	}
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0) {
		printf("error op=bind errno=%d\n", errno);
		fflush(stdout);
		return 1;
	}
	printf("ready pid=%ld port=%ld\n", (long)getpid(), port);
	fflush(stdout);

	struct stat st;
	const int use_stdin = fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	const time_t start = time(NULL);
	while (time(NULL) - start < max_seconds) {
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
		if (poll(&p, use_stdin ? 1 : 0, 200) > 0) {
			char buf[256];
			const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
		}
	}
	close(fd);
	return 0;
}
