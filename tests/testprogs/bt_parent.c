/*
 * bt_parent: a stand-in "service manager" for the attribution integration
 * tests. It starts one child and keeps running while the child lives, so the
 * child has it as its parent, the way runsv, s6-supervise, supervise-daemon,
 * SCREEN or pm2's God Daemon are the parent of the process they supervise.
 *
 *   bt_parent [KEY=VAL]... -- CHILD [ARG]...
 *
 * KEY=VAL pairs are added to the child's environment; "@PID@" in a value is
 * replaced by bt_parent's own pid (screen's STY="<pid>.<tty>.<host>").
 *
 * How the manager looks in /proc (the environment of bt_parent itself):
 *
 *   BT_AS="runsv backend"  exec again as exactly these words (argv, so
 *                          /proc/PID/cmdline is "runsv\0backend\0"), from
 *                          BT_EXE when set (a symlink named like the
 *                          manager, so /proc/PID/comm is its name). The
 *                          child command line travels in a memfd.
 *   BT_PROCTITLE="PM2 v5.3.0: God Daemon (/root/.pm2)"
 *                          rename in place as node/libuv does for
 *                          process.title: overwrite the argv memory with
 *                          the title, NUL-fill the rest, and
 *                          prctl(PR_SET_NAME) (comm "PM2 v5.3.0: God").
 *
 * None of the BT_AS/BT_EXE/BT_PROCTITLE variables reach the child.
 *
 * stdout: "child pid=N" once the child runs (the child shares stdout, so its
 * own lines follow). SIGTERM/SIGINT are passed on to the child. The child
 * gets PR_SET_PDEATHSIG SIGTERM, so it cannot outlive bt_parent.
 * Exit status: the child's (128+signal when killed), 2 on usage errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child_pid;

static void pass_on(int sig) {
	if (child_pid > 0) kill(child_pid, sig);
}

static int usage(void) {
	fprintf(stderr, "usage: bt_parent [KEY=VAL]... -- CHILD [ARG]...\n");
	return 2;
}

/* Re-exec as BT_AS's words; argv[1..] is written to a memfd for the new image. */
static int exec_as(const char *as, int argc, char **argv) {
	int fd = memfd_create("bt_parent_spec", 0); /* no CLOEXEC: the new image reads it */
	if (fd < 0) return 2;
	for (int i = 1; i < argc; ++i) {
		size_t len = strlen(argv[i]) + 1;
		if (write(fd, argv[i], len) != (ssize_t)len) return 2;
	}
	lseek(fd, 0, SEEK_SET);
	char fdtext[16];
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	setenv("BT_SPEC_FD", fdtext, 1);

	char *words = strdup(as);
	char *args[64];
	int n = 0;
	for (char *save = NULL, *w = strtok_r(words, " ", &save); w && n < 63; w = strtok_r(NULL, " ", &save))
		args[n++] = w;
	args[n] = NULL;
	if (n == 0) return usage();
	const char *exe = getenv("BT_EXE");
	unsetenv("BT_AS");
	execv(exe && *exe ? exe : "/proc/self/exe", args);
	perror("bt_parent: exec");
	return 2;
}

/* The arguments BT_AS passed through the memfd, as a NULL-ended vector. */
static char **read_spec(int fd, int *count) {
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) buf = realloc(buf, cap *= 2);
	}
	close(fd);
	int items = 0;
	for (size_t i = 0; i < len; ++i) items += buf[i] == '\0';
	char **v = calloc((size_t)items + 2, sizeof(char *));
	v[0] = "bt_parent";
	int k = 1;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) v[k++] = buf + i;
	v[k] = NULL;
	*count = k;
	return v;
}

/* node/libuv process.title: the title over the argv area, NUL-filled. */
static void set_proctitle(const char *title, int argc, char **argv) {
	char *start = argv[0];
	char *end = argv[argc - 1] + strlen(argv[argc - 1]); /* the last argument's NUL */
	size_t cap = (size_t)(end - start);
	size_t len = strlen(title);
	if (len > cap) len = cap;
	char *copy = strndup(title, len);
	memset(start, '\0', cap + 1);
	memcpy(start, copy, len);
	free(copy);
	prctl(PR_SET_NAME, title, 0, 0, 0);
}

/* "@PID@" -> bt_parent's pid (called in the child). */
static char *expand(const char *value, pid_t parent) {
	const char *at = strstr(value, "@PID@");
	if (!at) return strdup(value);
	char *out = NULL;
	if (asprintf(&out, "%.*s%ld%s", (int)(at - value), value, (long)parent, at + 5) < 0) return NULL;
	return out;
}

int main(int argc, char **argv) {
	const char *as = getenv("BT_AS");
	if (as && *as) return exec_as(as, argc, argv);

	char **spec = argv;
	int spec_count = argc;
	const char *spec_fd = getenv("BT_SPEC_FD");
	if (spec_fd && *spec_fd) {
		spec = read_spec(atoi(spec_fd), &spec_count);
		unsetenv("BT_SPEC_FD");
	}
	unsetenv("BT_EXE");
	/* Copies: BT_PROCTITLE overwrites the argv memory they point into. */
	char **copies = calloc((size_t)spec_count + 1, sizeof(char *));
	for (int i = 0; i < spec_count; ++i) copies[i] = strdup(spec[i]);
	spec = copies;

	int dashdash = -1;
	for (int i = 1; i < spec_count; ++i) {
		if (strcmp(spec[i], "--") == 0) {
			dashdash = i;
			break;
		}
	}
	if (dashdash < 0 || dashdash + 1 >= spec_count) return usage();
	char **child_argv = calloc((size_t)(spec_count - dashdash), sizeof(char *));
	for (int i = dashdash + 1; i < spec_count; ++i) child_argv[i - dashdash - 1] = spec[i];

	const char *title = getenv("BT_PROCTITLE");
	if (title && *title) {
		char *copy = strdup(title);
		unsetenv("BT_PROCTITLE");
		set_proctitle(copy, argc, argv);
		free(copy);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pass_on;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	const pid_t parent = getpid();
	const pid_t pid = fork();
	if (pid < 0) return 2;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		if (getppid() != parent) _exit(1);
		for (int i = 1; i < dashdash; ++i) {
			char *eq = strchr(spec[i], '=');
			if (!eq || eq == spec[i]) _exit(2);
			*eq = '\0';
			char *value = expand(eq + 1, parent);
			if (!value || setenv(spec[i], value, 1) != 0) _exit(2);
		}
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execvp(child_argv[0], child_argv);
		fprintf(stderr, "bt_parent: exec %s: %s\n", child_argv[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	printf("child pid=%ld\n", (long)pid);
	fflush(stdout);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) return 2;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
