/*
 * bt_sock: create real socket situations on command (successful and failed
 * bind/listen/connect, TIME_WAIT, failure storms) for bindtrace's integration
 * tests and benchmarks. Behaviour comes from argv; results are single-line,
 * machine-readable records on stdout. See tests/testprogs/README.md.
 *
 * Exit status: 0 success, 1 the action's call failed, 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define BACKLOG 16
#define CONNECT_TIMEOUT_MS 10000
#define MAX_THREADS 1024

enum family { FAM_4, FAM_6, FAM_UNIX, FAM_ABSTRACT };

enum action {
	ACT_NONE,
	ACT_BIND,
	ACT_LISTEN,
	ACT_DOUBLE_LISTEN,
	ACT_CONNECT,
	ACT_TIME_WAIT,
	ACT_GETPID_LOOP,
	ACT_BIND_LOOP,
	ACT_FAIL_LOOP,
};

struct endpoint {
	struct sockaddr_storage ss;
	socklen_t len;
};

static struct {
	enum family family;
	bool udp;
	const char *addr; /* NULL: family default */
	long port;
	const char *bind_addr;
	long bind_port;
	bool bind_local; /* connect: bind the local side first */
	bool reuseaddr, reuseport;
	int v6only; /* -1: leave the system default */
	long hold_ms; /* 0: no hold, -1: until signal (or stdin EOF) */
	bool stdin_hold;
	long exit_after_ms; /* -1: not given */
	long delay_ms; /* sleep before the action, so a test can learn the pid first */
	bool wait_stdin; /* wait for stdin EOF before the action: the test says when */
	long count, threads;
	bool fork;
	bool unlink_path;
	bool nonblock;
	bool hold_on_error;
	enum action action;
} opt = {
	.family = FAM_4,
	.v6only = -1,
	.exit_after_ms = -1,
	.count = 1,
	.threads = 1,
	.action = ACT_NONE,
};

static struct endpoint target; /* -a/-P */
static struct endpoint local; /* --bind-addr/--bind-port (connect) */
static int *g_fds; /* sockets kept open by bind/listen/connect */

/* Atomics rather than volatile sig_atomic_t: worker threads read them too. */
static atomic_int g_stop; /* SIGTERM/SIGINT received */
static atomic_int g_abort; /* a benchmark loop hit an unexpected failure */

/* ---------------------------------------------------------------- output */

static const char *errno_name(int e)
{
	static const struct {
		int num;
		const char *name;
	} names[] = {
#define N(x) { x, #x }
		N(EADDRINUSE), N(EADDRNOTAVAIL), N(EACCES), N(EINVAL),
		N(EPERM), N(ECONNREFUSED), N(EINPROGRESS), N(ENOENT),
		N(EBADF), N(ENOTSOCK), N(EAFNOSUPPORT), N(ENETUNREACH),
		N(EHOSTUNREACH), N(ETIMEDOUT), N(EINTR), N(EOPNOTSUPP),
		N(EISCONN), N(EALREADY), N(EAGAIN), N(EMFILE), N(ENFILE),
		N(EPROTONOSUPPORT), N(ECONNRESET),
#undef N
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].num == e)
			return names[i].name;
	return "E?";
}

/* One record per line, flushed at once, never interleaved between threads. */
static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	flockfile(stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	funlockfile(stdout);
	va_end(ap);
}

static void report_error(const char *op, int err)
{
	emit("error op=%s errno=%d name=%s", op, err, errno_name(err));
}

static void usage(void)
{
	fputs(
		"Usage: bt_sock [options] ACTION\n"
		"Options:\n"
		"  -f, --family 4|6|unix|abstract  (default 4)\n"
		"  -p, --proto tcp|udp             (default tcp; unix: tcp=SOCK_STREAM, udp=SOCK_DGRAM)\n"
		"  -a, --addr ADDR                 (default 0.0.0.0 / ::; unix/abstract: path or name)\n"
		"  -P, --port N                    (default 0)\n"
		"  --reuseaddr, --reuseport, --v6only, --no-v6only\n"
		"  --bind-addr A, --bind-port N    connect: bind the local side first\n"
		"  --nonblock                      connect: non-blocking (reports EINPROGRESS, then waits)\n"
		"  --hold MS                       keep sockets open MS ms after success (-1: until signal)\n"
		"  --stdin-hold                    hold until stdin reaches EOF\n"
		"  --hold-on-error                 hold even when the action failed (exit status still 1)\n"
		"  --exit-after-ms MS              exit MS ms after ready regardless\n"
		"  --delay-ms MS                   sleep MS ms before the action\n"
		"  --wait-stdin                    wait until stdin reaches EOF before the action\n"
		"  --count N                       repeat the action N times (default 1)\n"
		"  --threads N                     run the --count loop in N threads (default 1)\n"
		"  --fork                          fork after the action; parent and child hold the sockets\n"
		"  --unlink                        unlink the unix path before binding it\n"
		"ACTION: bind | listen | double-listen | connect | time-wait |\n"
		"        getpid-loop | bind-loop | fail-loop\n"
		"Output: ready pid=P port=N | error op=OP errno=N name=E | child pid=P |\n"
		"        pending op=connect ... | timewait PORT |\n"
		"        ns_per_call X cpu_ns_per_call Y | failures N elapsed_ns X\n",
		stderr);
}

static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bt_sock: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	usage();
	exit(EXIT_USAGE);
}

/* ------------------------------------------------------------- utilities */

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("bad %s: '%s' (want %ld..%ld)", what, s, min, max);
	return v;
}

static bool is_inet(void)
{
	return opt.family == FAM_4 || opt.family == FAM_6;
}

static int sock_domain(void)
{
	switch (opt.family) {
	case FAM_4:
		return AF_INET;
	case FAM_6:
		return AF_INET6;
	default:
		return AF_UNIX;
	}
}

static int sock_type(void)
{
	return opt.udp ? SOCK_DGRAM : SOCK_STREAM;
}

static const struct sockaddr *sa(const struct endpoint *ep)
{
	return (const struct sockaddr *)&ep->ss;
}

static bool resolve(const char *addr, long port, struct endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	if (is_inet()) {
		const char *a = addr ? addr : (opt.family == FAM_4 ? "0.0.0.0" : "::");
		char svc[16];
		snprintf(svc, sizeof svc, "%ld", port);
		/* getaddrinfo rather than inet_pton so "fe80::1%eth0" scopes work. */
		struct addrinfo hints = {
			.ai_family = sock_domain(),
			.ai_socktype = sock_type(),
			.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		};
		struct addrinfo *res;
		if (getaddrinfo(a, svc, &hints, &res) != 0)
			return false;
		memcpy(&ep->ss, res->ai_addr, res->ai_addrlen);
		ep->len = res->ai_addrlen;
		freeaddrinfo(res);
		return true;
	}

	struct sockaddr_un *sun = (struct sockaddr_un *)&ep->ss;
	size_t n = addr ? strlen(addr) : 0;
	if (n == 0 || n >= sizeof sun->sun_path)
		return false;
	sun->sun_family = AF_UNIX;
	if (opt.family == FAM_ABSTRACT) {
		/* Abstract names are length-delimited, not NUL-terminated. */
		sun->sun_path[0] = '\0';
		memcpy(sun->sun_path + 1, addr, n);
		ep->len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	} else {
		memcpy(sun->sun_path, addr, n + 1);
		ep->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	return true;
}

static void set_port(struct endpoint *ep, int port)
{
	if (ep->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ep->ss)->sin_port = htons((uint16_t)port);
	else if (ep->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ep->ss)->sin6_port = htons((uint16_t)port);
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0; /* unix sockets have no port */
}

static void maybe_unlink(void)
{
	if (opt.unlink_path && opt.family == FAM_UNIX && opt.addr)
		unlink(opt.addr);
}

/*
 * Returns a socket with the requested options applied, or -1 with errno set
 * and *op naming the call that failed. allow_reuse=false leaves out
 * SO_REUSEADDR/SO_REUSEPORT (fail-loop's binds must conflict).
 */
static int open_socket(bool allow_reuse, const char **op)
{
	int one = 1;
	int fd = socket(sock_domain(), sock_type() | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*op = "socket";
		return -1;
	}
	if ((allow_reuse && opt.reuseaddr &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
	    (allow_reuse && opt.reuseport &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
	    (opt.family == FAM_6 && opt.v6only >= 0 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &opt.v6only, sizeof opt.v6only) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		*op = "setsockopt";
		return -1;
	}
	return fd;
}

static int set_reuseaddr(int fd)
{
	int one = 1;
	return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

/* ------------------------------------------------------------------ hold */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&g_stop, 1, memory_order_relaxed);
}

static bool stop_requested(void)
{
	return atomic_load_explicit(&g_stop, memory_order_relaxed) ||
	       atomic_load_explicit(&g_abort, memory_order_relaxed);
}

/*
 * Wait until the hold time passes, SIGTERM/SIGINT arrives, or (--stdin-hold)
 * stdin reaches EOF. The signals are blocked outside ppoll() so one arriving
 * between the g_stop check and the wait cannot be lost.
 */
static void hold(void)
{
	int64_t timeout_ms; /* -1: no timer */
	if (opt.hold_ms > 0)
		timeout_ms = opt.hold_ms;
	else if (opt.hold_ms < 0 || opt.stdin_hold)
		timeout_ms = -1;
	else
		timeout_ms = 0;
	if (opt.exit_after_ms >= 0 &&
	    (timeout_ms <= 0 || opt.exit_after_ms < timeout_ms))
		timeout_ms = opt.exit_after_ms;
	if (timeout_ms == 0)
		return;

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);

	uint64_t deadline = now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	bool watch_stdin = opt.stdin_hold;
	while (!atomic_load(&g_stop)) {
		struct timespec ts, *tsp = NULL;
		if (timeout_ms > 0) {
			uint64_t now = now_ns();
			if (now >= deadline)
				break;
			uint64_t left = deadline - now;
			ts.tv_sec = (time_t)(left / 1000000000u);
			ts.tv_nsec = (long)(left % 1000000000u);
			tsp = &ts;
		}
		/* fd -1 is ignored by poll: then this is a pure signal/timer wait. */
		struct pollfd pfd = { .fd = watch_stdin ? STDIN_FILENO : -1, .events = POLLIN };
		int r = ppoll(&pfd, 1, tsp, &old);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r > 0 && pfd.revents) {
			char buf[512];
			ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break; /* EOF (or stdin unusable): the test released us */
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ----------------------------------------------------------- count loops */

/* One iteration of a --count loop; returns true when a call failed. */
typedef bool (*iter_fn)(long i);

struct worker {
	iter_fn fn;
	long begin, end;
	long failures;
	uint64_t t_begin, t_end;
	uint64_t cpu_ns; /* the thread's CPU time in the loop, user + system */
	pthread_barrier_t *start;
	pthread_t tid;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	if (w->start)
		pthread_barrier_wait(w->start);
	w->t_begin = now_ns();
	uint64_t cpu_begin = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (long i = w->begin; i < w->end && !stop_requested(); i++)
		if (w->fn(i))
			w->failures++;
	w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_begin;
	w->t_end = now_ns();
	return NULL;
}

/* Runs fn for i in [0, count) split over --threads; returns the failures.
 * elapsed_ns: wall time from the first start to the last end; cpu_ns: the
 * workers' CPU time summed (either may be NULL). */
static long run_loop(iter_fn fn, uint64_t *elapsed_ns, uint64_t *cpu_ns)
{
	long n = opt.threads;
	struct worker *w = calloc((size_t)n, sizeof *w);
	if (!w) {
		report_error("calloc", ENOMEM);
		exit(EXIT_FAILED);
	}
	long per = opt.count / n, extra = opt.count % n, next = 0;
	for (long t = 0; t < n; t++) {
		w[t].fn = fn;
		w[t].begin = next;
		next += per + (t < extra ? 1 : 0);
		w[t].end = next;
	}

	if (n == 1) {
		worker_main(&w[0]);
	} else {
		/* The barrier makes all threads start together, so a storm is a
		 * storm and thread creation stays out of the timing (each worker
		 * times itself: the main thread may wake from the barrier late).
		 * Workers are created with SIGTERM/SIGINT blocked so the main
		 * thread takes them. */
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, (unsigned)n + 1);
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		for (long t = 0; t < n; t++) {
			w[t].start = &start;
			int e = pthread_create(&w[t].tid, NULL, worker_main, &w[t]);
			if (e) {
				report_error("pthread_create", e);
				exit(EXIT_FAILED);
			}
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_barrier_wait(&start);
		for (long t = 0; t < n; t++)
			pthread_join(w[t].tid, NULL);
		pthread_barrier_destroy(&start);
	}

	long failures = 0;
	uint64_t t0 = w[0].t_begin, t1 = w[0].t_end, cpu = 0;
	for (long t = 0; t < n; t++) {
		failures += w[t].failures;
		cpu += w[t].cpu_ns;
		if (w[t].t_begin < t0)
			t0 = w[t].t_begin;
		if (w[t].t_end > t1)
			t1 = w[t].t_end;
	}
	free(w);
	if (elapsed_ns)
		*elapsed_ns = t1 - t0;
	if (cpu_ns)
		*cpu_ns = cpu;
	return failures;
}

/* Report a failed call, closing fd if it was opened. Always returns true. */
static bool fail_iter(int fd, const char *op)
{
	int e = errno;
	if (fd >= 0)
		close(fd);
	report_error(op, e);
	return true;
}

static bool bind_or_listen(long i, bool do_listen)
{
	const char *op;
	int fd = open_socket(true, &op);
	if (fd < 0)
		return fail_iter(fd, op);
	maybe_unlink();
	if (bind(fd, sa(&target), target.len) < 0)
		return fail_iter(fd, "bind");
	if (do_listen && listen(fd, BACKLOG) < 0)
		return fail_iter(fd, "listen");
	g_fds[i] = fd;
	emit("ready pid=%d port=%d", (int)getpid(), local_port(fd));
	return false;
}

static bool iter_bind(long i)
{
	return bind_or_listen(i, false);
}

static bool iter_listen(long i)
{
	return bind_or_listen(i, true);
}

/* Waits for a non-blocking connect to finish; returns 0 or its errno. */
static int wait_connected(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r;
	do
		r = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
	while (r < 0 && errno == EINTR && !atomic_load(&g_stop));
	if (r < 0)
		return errno;
	if (r == 0)
		return ETIMEDOUT;
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static bool iter_connect(long i)
{
	const char *op;
	int fd = open_socket(true, &op);
	if (fd < 0)
		return fail_iter(fd, op);
	if (opt.bind_local && bind(fd, sa(&local), local.len) < 0)
		return fail_iter(fd, "bind");
	if (opt.nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return fail_iter(fd, "fcntl");
	if (connect(fd, sa(&target), target.len) < 0) {
		if (!(opt.nonblock && errno == EINPROGRESS))
			return fail_iter(fd, "connect");
		/* Not a failure: recorded so tests can check it is not reported. */
		emit("pending op=connect errno=%d name=EINPROGRESS", EINPROGRESS);
		int err = wait_connected(fd);
		if (err) {
			errno = err;
			return fail_iter(fd, "connect");
		}
	}
	g_fds[i] = fd;
	emit("ready pid=%d port=%d", (int)getpid(), local_port(fd));
	return false;
}

/* fail-loop: expected to fail (the holder owns the port); counts failures. */
static bool iter_fail(long i)
{
	(void)i;
	const char *op;
	int fd = open_socket(false, &op);
	if (fd < 0) {
		report_error(op, errno);
		atomic_store(&g_abort, 1);
		return false;
	}
	bool failed = bind(fd, sa(&target), target.len) < 0;
	close(fd);
	return failed;
}

/* bind-loop: a benchmark, so the first failure ends the run. */
static bool iter_bindloop(long i)
{
	(void)i;
	const char *op;
	int fd = open_socket(true, &op);
	if (fd >= 0) {
		maybe_unlink();
		if (bind(fd, sa(&target), target.len) == 0) {
			close(fd);
			return false;
		}
		op = "bind";
	}
	fail_iter(fd, op);
	atomic_store(&g_abort, 1);
	return true;
}

static bool iter_getpid(long i)
{
	(void)i;
	/* The raw syscall, so no libc caching can ever turn this into a no-op. */
	syscall(SYS_getpid);
	return false;
}

/* Wall ns per call as seen by one thread (threads run their share in
 * parallel), then CPU ns per call: the loop's own user and system time, which
 * includes work the kernel does for it (a tracer's BPF program) but not time
 * spent preempted by other processes. */
static void print_ns_per_call(uint64_t elapsed_ns, uint64_t cpu_ns)
{
	double calls_per_thread = (double)opt.count / (double)opt.threads;
	emit("ns_per_call %.1f cpu_ns_per_call %.1f", (double)elapsed_ns / calls_per_thread,
	     (double)cpu_ns / (double)opt.count);
}

/* --------------------------------------------------------------- actions */

/* Hold the sockets, in one process or (--fork) in parent and child. */
static void hold_maybe_forked(void)
{
	if (!opt.fork) {
		hold();
		return;
	}
	fflush(NULL); /* or the child would inherit and re-print buffered output */
	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0) {
		report_error("fork", errno);
		exit(EXIT_FAILED);
	}
	if (child == 0) {
		/* Die with the parent, so a SIGKILLed test leaves no holder behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		emit("child pid=%d", (int)getpid());
		hold();
		_exit(0);
	}
	hold();
	kill(child, SIGTERM);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}

static int act_count_loop(iter_fn fn)
{
	g_fds = malloc((size_t)opt.count * sizeof *g_fds);
	if (!g_fds) {
		report_error("malloc", ENOMEM);
		return EXIT_FAILED;
	}
	for (long i = 0; i < opt.count; i++)
		g_fds[i] = -1;

	long failures = run_loop(fn, NULL, NULL);
	if (failures && !opt.hold_on_error)
		return EXIT_FAILED;
	hold_maybe_forked();
	return failures ? EXIT_FAILED : 0;
}

/*
 * The classic listen() conflict: with SO_REUSEADDR on both, two TCP sockets
 * may bind the same addr:port as long as neither listens yet; the first
 * listen() then wins and Linux refuses the second with EADDRINUSE (unless
 * SO_REUSEPORT is also set). Both must bind before the first listens: a bind
 * to a port that already has a listener fails in bind() instead.
 */
static int act_double_listen(void)
{
	const char *op;
	int fd[2];
	struct endpoint ep = target;

	for (int k = 0; k < 2; k++) {
		fd[k] = open_socket(true, &op);
		if (fd[k] < 0) {
			report_error(op, errno);
			return EXIT_FAILED;
		}
		if (set_reuseaddr(fd[k]) < 0) {
			report_error("setsockopt", errno);
			return EXIT_FAILED;
		}
		if (bind(fd[k], sa(&ep), ep.len) < 0) {
			report_error("bind", errno);
			return EXIT_FAILED;
		}
		set_port(&ep, local_port(fd[k])); /* port 0: the second takes the first's */
	}

	if (listen(fd[0], BACKLOG) < 0) {
		report_error("listen", errno);
		return EXIT_FAILED;
	}
	emit("ready pid=%d port=%d", (int)getpid(), local_port(fd[0]));

	int rc = 0;
	if (listen(fd[1], BACKLOG) < 0) {
		report_error("listen", errno);
		rc = EXIT_FAILED;
	} else {
		emit("ready pid=%d port=%d", (int)getpid(), local_port(fd[1]));
	}
	if (rc == 0 || opt.hold_on_error)
		hold_maybe_forked();
	return rc;
}

/* Is there a TIME_WAIT socket with local port `port` in our netns? */
static bool timewait_exists(int port)
{
	const char *path = opt.family == FAM_4 ? "/proc/net/tcp" : "/proc/net/tcp6";
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned lport, state;
		/* "sl: local_addr:PORT rem_addr:PORT st ..." all hex; header fails. */
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
			   &lport, &state) == 2 &&
		    (int)lport == port && state == 0x06 /* TCP_TIME_WAIT */)
			found = true;
	}
	fclose(f);
	return found;
}

/*
 * Leave a TIME_WAIT socket on the server's port P. TIME_WAIT belongs to the
 * side that closes first, so the accepted (server) end closes first, the
 * client waits for that FIN, then closes too.
 */
static int act_time_wait(void)
{
	const char *op = "socket";
	int lfd = -1, cfd = -1, afd = -1;

	lfd = open_socket(true, &op);
	if (lfd < 0)
		goto fail;
	/* Always: a TIME_WAIT left on P by a previous run must not block us. */
	op = "setsockopt";
	if (set_reuseaddr(lfd) < 0)
		goto fail;
	op = "bind";
	if (bind(lfd, sa(&target), target.len) < 0)
		goto fail;
	op = "listen";
	if (listen(lfd, BACKLOG) < 0)
		goto fail;
	int port = local_port(lfd);

	struct endpoint srv = target;
	set_port(&srv, port);
	if (srv.ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&srv.ss;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&srv.ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			sin6->sin6_addr = in6addr_loopback;
	}

	op = "socket";
	cfd = socket(sock_domain(), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0)
		goto fail;
	op = "connect";
	if (connect(cfd, sa(&srv), srv.len) < 0)
		goto fail;
	op = "accept";
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		goto fail;
	close(afd);
	afd = -1;

	/* Wait for the server's FIN (read returns 0) before closing the client. */
	struct pollfd pfd = { .fd = cfd, .events = POLLIN };
	char c;
	op = "read";
	if (poll(&pfd, 1, 5000) <= 0 || read(cfd, &c, 1) != 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	close(cfd);
	cfd = -1;
	close(lfd);
	lfd = -1;

	/* Loopback is near-synchronous, but confirm before telling the test. */
	for (int i = 0; i < 200 && !timewait_exists(port); i++)
		usleep(10000);
	if (!timewait_exists(port)) {
		errno = ETIMEDOUT;
		op = "timewait";
		goto fail;
	}
	emit("timewait %d", port);
	hold();
	return 0;

fail:;
	int e = errno;
	report_error(op, e);
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return EXIT_FAILED;
}

/*
 * Failure storm: one holder owns addr:port; --count binds (split over
 * --threads, without SO_REUSEADDR/SO_REUSEPORT) then fail with EADDRINUSE.
 */
static int act_fail_loop(void)
{
	const char *op;
	int holder = open_socket(true, &op);
	if (holder < 0) {
		report_error(op, errno);
		return EXIT_FAILED;
	}
	maybe_unlink();
	if (bind(holder, sa(&target), target.len) < 0) {
		report_error("bind", errno);
		return EXIT_FAILED;
	}
	if (!opt.udp && listen(holder, BACKLOG) < 0) {
		report_error("listen", errno);
		return EXIT_FAILED;
	}
	int port = local_port(holder);
	set_port(&target, port);
	emit("ready pid=%d port=%d", (int)getpid(), port);

	uint64_t elapsed;
	long failures = run_loop(iter_fail, &elapsed, NULL);
	emit("failures %ld elapsed_ns %llu", failures, (unsigned long long)elapsed);
	if (atomic_load(&g_abort))
		return EXIT_FAILED;
	hold();
	return 0;
}

/* ------------------------------------------------------------------ main */

static enum action parse_action(const char *s)
{
	static const struct {
		const char *name;
		enum action act;
	} acts[] = {
		{ "bind", ACT_BIND },
		{ "listen", ACT_LISTEN },
		{ "double-listen", ACT_DOUBLE_LISTEN },
		{ "connect", ACT_CONNECT },
		{ "time-wait", ACT_TIME_WAIT },
		{ "getpid-loop", ACT_GETPID_LOOP },
		{ "bind-loop", ACT_BIND_LOOP },
		{ "fail-loop", ACT_FAIL_LOOP },
	};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (strcmp(s, acts[i].name) == 0)
			return acts[i].act;
	usage_error("unknown action '%s'", s);
}

enum {
	OPT_REUSEADDR = 256,
	OPT_REUSEPORT,
	OPT_V6ONLY,
	OPT_NO_V6ONLY,
	OPT_HOLD,
	OPT_STDIN_HOLD,
	OPT_HOLD_ON_ERROR,
	OPT_COUNT,
	OPT_THREADS,
	OPT_FORK,
	OPT_EXIT_AFTER,
	OPT_BIND_PORT,
	OPT_BIND_ADDR,
	OPT_UNLINK,
	OPT_NONBLOCK,
	OPT_DELAY,
	OPT_WAIT_STDIN,
};

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "proto", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "reuseaddr", no_argument, NULL, OPT_REUSEADDR },
		{ "reuseport", no_argument, NULL, OPT_REUSEPORT },
		{ "v6only", no_argument, NULL, OPT_V6ONLY },
		{ "no-v6only", no_argument, NULL, OPT_NO_V6ONLY },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "stdin-hold", no_argument, NULL, OPT_STDIN_HOLD },
		{ "hold-on-error", no_argument, NULL, OPT_HOLD_ON_ERROR },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "fork", no_argument, NULL, OPT_FORK },
		{ "exit-after-ms", required_argument, NULL, OPT_EXIT_AFTER },
		{ "bind-port", required_argument, NULL, OPT_BIND_PORT },
		{ "bind-addr", required_argument, NULL, OPT_BIND_ADDR },
		{ "unlink", no_argument, NULL, OPT_UNLINK },
		{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
		{ "delay-ms", required_argument, NULL, OPT_DELAY },
		{ "wait-stdin", no_argument, NULL, OPT_WAIT_STDIN },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	/* "+": stop at the action, like a POSIX command line. */
	while ((c = getopt_long(argc, argv, "+f:p:a:P:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "4"))
				opt.family = FAM_4;
			else if (!strcmp(optarg, "6"))
				opt.family = FAM_6;
			else if (!strcmp(optarg, "unix"))
				opt.family = FAM_UNIX;
			else if (!strcmp(optarg, "abstract"))
				opt.family = FAM_ABSTRACT;
			else
				usage_error("bad family '%s'", optarg);
			break;
		case 'p':
			if (!strcmp(optarg, "tcp"))
				opt.udp = false;
			else if (!strcmp(optarg, "udp"))
				opt.udp = true;
			else
				usage_error("bad proto '%s'", optarg);
			break;
		case 'a':
			opt.addr = optarg;
			break;
		case 'P':
			opt.port = parse_long(optarg, 0, 65535, "port");
			break;
		case 'h':
			usage();
			exit(0);
		case OPT_REUSEADDR:
			opt.reuseaddr = true;
			break;
		case OPT_REUSEPORT:
			opt.reuseport = true;
			break;
		case OPT_V6ONLY:
			opt.v6only = 1;
			break;
		case OPT_NO_V6ONLY:
			opt.v6only = 0;
			break;
		case OPT_HOLD:
			opt.hold_ms = parse_long(optarg, -1, 365L * 24 * 3600 * 1000, "hold");
			break;
		case OPT_STDIN_HOLD:
			opt.stdin_hold = true;
			break;
		case OPT_HOLD_ON_ERROR:
			opt.hold_on_error = true;
			break;
		case OPT_COUNT:
			opt.count = parse_long(optarg, 1, 1000000000L, "count");
			break;
		case OPT_THREADS:
			opt.threads = parse_long(optarg, 1, MAX_THREADS, "threads");
			break;
		case OPT_FORK:
			opt.fork = true;
			break;
		case OPT_WAIT_STDIN:
			opt.wait_stdin = true;
			break;
		case OPT_DELAY:
			opt.delay_ms = parse_long(optarg, 0, 3600L * 1000, "delay-ms");
			break;
		case OPT_EXIT_AFTER:
			opt.exit_after_ms = parse_long(optarg, 0, 365L * 24 * 3600 * 1000, "exit-after-ms");
			break;
		case OPT_BIND_PORT:
			opt.bind_port = parse_long(optarg, 0, 65535, "bind-port");
			opt.bind_local = true;
			break;
		case OPT_BIND_ADDR:
			opt.bind_addr = optarg;
			opt.bind_local = true;
			break;
		case OPT_UNLINK:
			opt.unlink_path = true;
			break;
		case OPT_NONBLOCK:
			opt.nonblock = true;
			break;
		default:
			usage();
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage_error(optind >= argc ? "missing ACTION" : "exactly one ACTION expected");
	opt.action = parse_action(argv[optind]);

	if (opt.threads > opt.count)
		opt.threads = opt.count;
	if ((opt.v6only >= 0) && opt.family != FAM_6)
		usage_error("--v6only/--no-v6only need -f 6");
	if (opt.fork && opt.action != ACT_BIND && opt.action != ACT_LISTEN &&
	    opt.action != ACT_CONNECT && opt.action != ACT_DOUBLE_LISTEN)
		usage_error("--fork works with bind, listen, double-listen and connect");
	if ((opt.action == ACT_TIME_WAIT || opt.action == ACT_DOUBLE_LISTEN) &&
	    (opt.udp || !is_inet()))
		usage_error("this action needs TCP over -f 4 or -f 6");
	if (opt.action != ACT_GETPID_LOOP && !resolve(opt.addr, opt.port, &target))
		usage_error(is_inet() ? "bad address '%s' for this family"
				      : "unix/abstract need -a PATH|NAME (shorter than 108)",
			    opt.addr ? opt.addr : "");
	if (opt.action == ACT_CONNECT && opt.bind_local &&
	    !resolve(opt.bind_addr, opt.bind_port, &local))
		usage_error("bad --bind-addr '%s'", opt.bind_addr ? opt.bind_addr : "");
}

/* Bursts of held sockets can exceed the default soft limit of 1024. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t want = (rlim_t)opt.count + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (opt.wait_stdin) {
		char c;
		for (;;) {
			ssize_t n = read(STDIN_FILENO, &c, 1);
			if (n > 0 || (n < 0 && errno == EINTR))
				continue;
			break;
		}
	}
	if (opt.delay_ms > 0) {
		struct timespec ts = { opt.delay_ms / 1000, (opt.delay_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
	}

	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: a signal must interrupt blocking calls and the hold. */
	struct sigaction sa_stop = { .sa_handler = on_signal };
	sigemptyset(&sa_stop.sa_mask);
	sigaction(SIGTERM, &sa_stop, NULL);
	sigaction(SIGINT, &sa_stop, NULL);

	if (opt.action == ACT_BIND || opt.action == ACT_LISTEN || opt.action == ACT_CONNECT)
		raise_nofile();

	uint64_t elapsed, cpu;
	switch (opt.action) {
	case ACT_BIND:
		return act_count_loop(iter_bind);
	case ACT_LISTEN:
		return act_count_loop(iter_listen);
	case ACT_CONNECT:
		return act_count_loop(iter_connect);
	case ACT_DOUBLE_LISTEN:
		return act_double_listen();
	case ACT_TIME_WAIT:
		return act_time_wait();
	case ACT_FAIL_LOOP:
		return act_fail_loop();
	case ACT_GETPID_LOOP:
		run_loop(iter_getpid, &elapsed, &cpu);
		print_ns_per_call(elapsed, cpu);
		return 0;
	case ACT_BIND_LOOP:
		run_loop(iter_bindloop, &elapsed, &cpu);
		if (atomic_load(&g_abort))
			return EXIT_FAILED;
		print_ns_per_call(elapsed, cpu);
		return 0;
	case ACT_NONE:
		break;
	}
	return EXIT_USAGE;
}
