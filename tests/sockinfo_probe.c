/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * sockinfo_probe: runs one scenario on a loopback connection and prints
 * what lib/sockinfo sees, one line per observation, for tests/sockinfo.bats.
 *
 *	sockinfo_probe [-6] SCENARIO
 *	sockinfo_probe [-6] bench [CALLS]
 *
 * Each scenario listens on 127.0.0.1 (or ::1 with -6) port 0, connects a
 * client and accepts it, all in this process; "server" is the accepted
 * socket.  Lines read "STEP WHAT=VALUE".  Nothing waits a guessed time:
 * a child is driven through pipes, the peer's view is awaited with poll
 * and a deadline, and a state the kernel reaches a moment later is polled
 * for until a deadline.  Exit status 0, 1 if a deadline passed, 2 on a
 * setup failure, 77 if there is no IPv6 loopback.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sockinfo.h"

/* How long the kernel or the peer may take, in seconds, before a
 * scenario gives up on what it waits for. */
#define DEADLINE 5.0

struct conn {
	int listener;
	int client;
	int server;
	struct sockinfo_id client_id;
	struct sockinfo_id server_id;
};

static int use_ipv6;
static int timed_out;

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "sockinfo_probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	(void)nanosleep(&ts, NULL);
}

static void
close_or_fail(int fd)
{
	if (close(fd) < 0)
		fail("close");
}

/* A listener on the loopback address, port 0, a client connected to it
 * and the accepted socket; the kernel completes the handshake in
 * connect(), so nothing blocks. */
static void
conn_open(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = use_ipv6 ? AF_INET6 : AF_INET;

	memset(&ss, 0, sizeof ss);
	if (use_ipv6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *s4;
	}
	c->listener = socket(family, SOCK_STREAM, 0);
	if (c->listener < 0 || bind(c->listener, (struct sockaddr *)&ss,
	    len) < 0) {
		if (use_ipv6 && (errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL)) {
			fprintf(stderr, "sockinfo_probe: no IPv6 loopback\n");
			exit(77);
		}
		fail("socket/bind");
	}
	if (listen(c->listener, 4) < 0)
		fail("listen");
	if (getsockname(c->listener, (struct sockaddr *)&ss, &len) < 0)
		fail("getsockname");
	c->client = socket(family, SOCK_STREAM, 0);
	if (c->client < 0)
		fail("socket");
	if (connect(c->client, (struct sockaddr *)&ss, len) < 0)
		fail("connect");
	c->server = accept(c->listener, NULL, NULL);
	if (c->server < 0)
		fail("accept");
	if (sockinfo_identify(c->client, &c->client_id) < 0 ||
	    sockinfo_identify(c->server, &c->server_id) < 0)
		fail("sockinfo_identify");
}

static void
say_refs(const char *step, const struct sockinfo_id *id)
{
	int n = sockinfo_refs(id);

	if (n < 0)
		printf("%s refs=-1 (%s)\n", step, strerror(errno));
	else
		printf("%s refs=%d\n", step, n);
}

static void
say_state(const char *step, enum sockinfo_state st)
{
	const char *name = sockinfo_state_name(st);

	printf("%s state=%s\n", step, name != NULL ? name : "unknown");
}

/* Polls the state until it is want or the deadline passes; returns the
 * last state seen, so that a miss prints what was there instead. */
static enum sockinfo_state
await_state(int fd, const struct sockinfo_id *id, enum sockinfo_state want)
{
	double end = now() + DEADLINE;
	enum sockinfo_state st;

	while ((st = sockinfo_state(fd, id)) != want) {
		if (now() >= end) {
			timed_out = 1;
			break;
		}
		pause_ms(1);
	}
	return st;
}

/* Waits until fd is readable, at most DEADLINE; 1 if it is. */
static int
await_readable(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int rc;

	do
		rc = poll(&pfd, 1, (int)(DEADLINE * 1000));
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		fail("poll");
	if (rc == 0)
		timed_out = 1;
	return rc > 0;
}

/* What one read() on fd returns once it is readable: "0" (EOF), a byte
 * count, an errno name we expect, or "timeout". */
static void
say_read(const char *step, int fd)
{
	char buf[64];
	ssize_t n;

	if (!await_readable(fd)) {
		printf("%s read=timeout\n", step);
		return;
	}
	n = read(fd, buf, sizeof buf);
	if (n >= 0)
		printf("%s read=%zd\n", step, n);
	else if (errno == ECONNRESET)
		printf("%s read=ECONNRESET\n", step);
	else
		printf("%s read=%s\n", step, strerror(errno));
}

/* Readable right now, without waiting: 1 or 0. */
static int
readable_now(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, 0) > 0;
}

static void
scenario_listener(void)
{
	struct conn c;
	struct sockinfo_id id;

	conn_open(&c);
	if (sockinfo_identify(c.listener, &id) < 0)
		fail("sockinfo_identify");
	printf("listener have_tuple=%d\n", id.have_tuple);
	say_refs("listener", &id);
	say_state("listener", sockinfo_state(c.listener, &id));
}

static void
scenario_accept(void)
{
	struct conn c;

	conn_open(&c);
	printf("accepted have_tuple=%d\n", c.server_id.have_tuple);
	say_refs("accepted", &c.server_id);
	say_state("accepted", sockinfo_state(c.server, &c.server_id));
	say_state("accepted by-tuple", sockinfo_state(-1, &c.server_id));
	say_state("client", sockinfo_state(c.client, &c.client_id));
}

/*
 * Child of scenario_fork: it holds only the server socket, closes it
 * when the parent writes 'c' (and says so with 'k'), and exits at EOF.
 */
static _Noreturn void
fork_child(const struct conn *c, int cmd, int ack)
{
	char b;

	(void)close(c->listener);
	(void)close(c->client);
	if (read(cmd, &b, 1) == 1 && b == 'c') {
		(void)close(c->server);
		(void)write(ack, "k", 1);
	}
	while (read(cmd, &b, 1) > 0)
		continue;
	_exit(0);
}

static void
scenario_fork(void)
{
	struct conn c;
	int cmd[2], ack[2], status;
	char b;
	pid_t pid;

	conn_open(&c);
	if (pipe(cmd) < 0 || pipe(ack) < 0)
		fail("pipe");
	/* Nothing buffered may be written twice by the child. */
	(void)fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		(void)close(cmd[1]);
		(void)close(ack[0]);
		fork_child(&c, cmd[0], ack[1]);
	}
	close_or_fail(cmd[0]);
	close_or_fail(ack[1]);
	/* fork() has returned: the child's descriptor table exists. */
	say_refs("forked", &c.server_id);
	{
		/* Counted over the two processes alone, as the trace does,
		 * and over this one alone. */
		pid_t both[3] = { getpid(), 0, pid };

		printf("forked refs_in(self,child)=%d refs_in(self)=%d\n",
		    sockinfo_refs_in(&c.server_id, both, 3),
		    sockinfo_refs_in(&c.server_id, both, 1));
	}
	say_state("forked", sockinfo_state(c.server, &c.server_id));

	if (write(cmd[1], "c", 1) != 1)
		fail("write to child");
	if (!await_readable(ack[0]) || read(ack[0], &b, 1) != 1)
		fail("child did not close");
	say_refs("child-closed", &c.server_id);
	say_state("child-closed", sockinfo_state(c.server, &c.server_id));
	/* Loopback delivers within close(): a FIN would be here by now. */
	printf("child-closed client-readable=%d\n", readable_now(c.client));

	close_or_fail(cmd[1]);
	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid");
	close_or_fail(c.server);
	say_refs("parent-closed", &c.server_id);
	say_read("parent-closed client", c.client);
}

static void
scenario_dup(void)
{
	struct conn c;
	int copy;

	conn_open(&c);
	copy = dup(c.server);
	if (copy < 0)
		fail("dup");
	say_refs("dup", &c.server_id);
	close_or_fail(copy);
	say_refs("dup-closed", &c.server_id);
}

/* The server closes its only descriptor; the client keeps its own. */
static void
scenario_finwait(void)
{
	struct conn c;

	conn_open(&c);
	close_or_fail(c.server);
	say_refs("closed", &c.server_id);
	say_read("closed client", c.client);
	say_state("closed server",
	    await_state(-1, &c.server_id, SOCKINFO_FIN_WAIT2));
	say_state("closed client", sockinfo_state(c.client, &c.client_id));
}

/* The server closes first (the active closer), then the client. */
static void
scenario_timewait(void)
{
	struct conn c;

	conn_open(&c);
	close_or_fail(c.server);
	say_read("closed client", c.client);
	close_or_fail(c.client);
	say_state("both-closed server",
	    await_state(-1, &c.server_id, SOCKINFO_TIME_WAIT));
	say_state("both-closed client",
	    await_state(-1, &c.client_id, SOCKINFO_CLOSE));
}

/* As timewait, but the server ends with shutdown(SHUT_WR) and keeps its
 * descriptor: TCP_INFO through it then reads CLOSE while the TIME_WAIT
 * entry is found by the tuple. */
static void
scenario_timewait_fd(void)
{
	struct conn c;

	conn_open(&c);
	if (shutdown(c.server, SHUT_WR) < 0)
		fail("shutdown");
	say_read("shutdown client", c.client);
	say_state("shutdown server",
	    await_state(c.server, &c.server_id, SOCKINFO_FIN_WAIT2));
	close_or_fail(c.client);
	say_read("client-closed server", c.server);
	say_state("client-closed server",
	    await_state(c.server, &c.server_id, SOCKINFO_TIME_WAIT));
	say_state("client-closed server fd-only",
	    sockinfo_state(c.server, NULL));
	say_refs("client-closed server", &c.server_id);
}

static void
scenario_linger(void)
{
	static const struct linger abort_linger = { 1, 0 };
	struct conn c;

	conn_open(&c);
	printf("before linger-abort=%d\n", sockinfo_linger_abort(c.server));
	if (setsockopt(c.server, SOL_SOCKET, SO_LINGER, &abort_linger,
	    sizeof abort_linger) < 0)
		fail("setsockopt SO_LINGER");
	printf("set linger-abort=%d\n", sockinfo_linger_abort(c.server));
	close_or_fail(c.server);
	say_read("closed client", c.client);
	say_state("closed server", sockinfo_state(-1, &c.server_id));
	say_state("closed client", sockinfo_state(c.client, &c.client_id));
}

static void
scenario_unread(void)
{
	struct conn c;

	conn_open(&c);
	printf("before unread=%d\n", sockinfo_unread(c.server));
	/* One write of 5 bytes is one segment on loopback: readable means
	 * all 5 are queued. */
	if (write(c.client, "hello", 5) != 5)
		fail("write");
	if (!await_readable(c.server))
		fail("data did not arrive");
	printf("written unread=%d\n", sockinfo_unread(c.server));
}

static void
scenario_names(void)
{
	int st;

	for (st = SOCKINFO_UNKNOWN; st <= SOCKINFO_CLOSING + 1; st++) {
		const char *name = sockinfo_state_name((enum sockinfo_state)st);

		if (st == 0)
			continue;
		printf("%d %s\n", st, name != NULL ? name : "NULL");
	}
}

/* Polls sockinfo_in_accept(pid) until it answers want or 2 s pass;
 * returns the last answer. */
static int
await_in_accept(pid_t pid, int want)
{
	double until = now() + 2.0;
	int got;

	while ((got = sockinfo_in_accept(pid)) != want && now() < until)
		pause_ms(1);
	return got;
}

/* A child that sleeps in accept() is seen there; once a connection
 * arrives and it sleeps reading a pipe instead, it is not; this process,
 * running, is not either. */
static void
scenario_in_accept(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn c;
	int hold[2], second;
	pid_t pid;
	char b;

	conn_open(&c);
	if (pipe(hold) < 0)
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		int fd = accept(c.listener, NULL, NULL);

		(void)close(hold[1]);
		(void)read(hold[0], &b, 1);
		_exit(fd < 0);
	}
	(void)close(hold[0]);
	printf("self in_accept=%d\n", sockinfo_in_accept(getpid()));
	printf("accepting in_accept=%d\n", await_in_accept(pid, 1));
	/* conn_open's client was accepted already; a second one wakes the
	 * child. */
	len = sizeof ss;
	if (getsockname(c.listener, (struct sockaddr *)&ss, &len) < 0)
		fail("getsockname");
	second = socket(ss.ss_family, SOCK_STREAM, 0);
	if (second < 0 || connect(second, (struct sockaddr *)&ss, len) < 0)
		fail("socket/connect");
	printf("reading in_accept=%d\n", await_in_accept(pid, 0));
	close_or_fail(hold[1]);
	close_or_fail(second);
	if (waitpid(pid, NULL, 0) < 0)
		fail("waitpid");
}

/*
 * Counts the server's references while processes come and go: CHURNERS
 * children fork and reap short-lived processes without pause, so that
 * some of those a count lists in /proc exit before their fd directory is
 * read.  Every count must still be 1.  A race, not a certainty: a count
 * that gave up on such a process (as fdopendir() failing with ENOENT once
 * did) failed a few times in a thousand here, one to four times in the
 * first 2.5 s of most runs.  So it counts for 4 s, or 5000 times.
 */
#define CHURNERS 3

static void
scenario_churn(void)
{
	struct conn c;
	double end;
	pid_t churner[CHURNERS], p;
	long counts = 0, wrong = 0;
	int n, first = 0, first_err = 0, ready[2], i;
	char byte;

	conn_open(&c);
	if (pipe(ready) < 0)
		fail("pipe");
	for (i = 0; i < CHURNERS; i++) {
		churner[i] = fork();
		if (churner[i] < 0)
			fail("fork");
		if (churner[i] > 0)
			continue;
		/* It must not hold the socket that is counted; it says so
		 * by closing its end of the pipe. */
		(void)close(c.server);
		(void)close(c.client);
		(void)close(c.listener);
		(void)close(ready[0]);
		(void)close(ready[1]);
		/* Bounded by time even if the parent dies first. */
		end = now() + 2 * DEADLINE;
		while (now() < end) {
			p = fork();
			if (p == 0)
				_exit(0);
			if (p > 0)
				(void)waitpid(p, NULL, 0);
		}
		_exit(0);
	}
	(void)close(ready[1]);
	/* End of file: every churner has closed its copies. */
	while (read(ready[0], &byte, 1) < 0 && errno == EINTR)
		;
	(void)close(ready[0]);
	end = now() + 4.0;
	while (counts < 5000 && now() < end) {
		n = sockinfo_refs(&c.server_id);
		if (n != 1 && wrong++ == 0) {
			first = n;
			first_err = n < 0 ? errno : 0;
		}
		counts++;
	}
	for (i = 0; i < CHURNERS; i++) {
		(void)kill(churner[i], SIGKILL);
		(void)waitpid(churner[i], NULL, 0);
	}
	/* The count of counts varies with the machine: only whether there
	 * were enough of them to meet the race is a line. */
	printf("churn wrong-counts=%ld\n", wrong);
	printf("churn counts=%s\n", counts >= 200 ? "200-or-more" :
	    "fewer-than-200");
	if (wrong > 0)
		fprintf(stderr, "sockinfo_probe: %ld of %ld counts were not 1; "
		    "the first: %d (%s)\n", wrong, counts, first,
		    first_err != 0 ? strerror(first_err) : "no error");
}

/* Times calls of sockinfo_refs and of a tuple lookup, for the report;
 * the times go to standard error, the answers to standard output. */
static void
scenario_bench(long calls)
{
	struct conn c;
	double t0, t_refs, t_state;
	int refs = 0;
	enum sockinfo_state st = SOCKINFO_UNKNOWN;
	long i;

	conn_open(&c);
	t0 = now();
	for (i = 0; i < calls; i++)
		refs = sockinfo_refs(&c.server_id);
	t_refs = (now() - t0) / (double)calls;
	t0 = now();
	for (i = 0; i < calls; i++)
		st = sockinfo_state(-1, &c.server_id);
	t_state = (now() - t0) / (double)calls;
	printf("bench refs=%d\n", refs);
	say_state("bench by-tuple", st);
	fprintf(stderr, "sockinfo_refs: %.1f us a call; "
	    "sockinfo_state by tuple: %.1f us a call (%ld calls)\n",
	    t_refs * 1e6, t_state * 1e6, calls);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: sockinfo_probe [-6] listener|accept|fork|dup|"
	    "finwait|timewait|timewait_fd|linger|unread|names|\n"
	    "       in_accept|churn\n"
	    "       sockinfo_probe [-6] bench [CALLS]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		void (*run)(void);
	} scenarios[] = {
		{ "listener", scenario_listener },
		{ "accept", scenario_accept },
		{ "fork", scenario_fork },
		{ "dup", scenario_dup },
		{ "finwait", scenario_finwait },
		{ "timewait", scenario_timewait },
		{ "timewait_fd", scenario_timewait_fd },
		{ "linger", scenario_linger },
		{ "unread", scenario_unread },
		{ "names", scenario_names },
		{ "in_accept", scenario_in_accept },
		{ "churn", scenario_churn },
	};
	size_t i;

	if (argc > 1 && strcmp(argv[1], "-6") == 0) {
		use_ipv6 = 1;
		argc--;
		argv++;
	}
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "bench") == 0) {
		long calls = 200;
		char *end;

		if (argc > 2) {
			errno = 0;
			calls = strtol(argv[2], &end, 10);
			if (errno != 0 || *end != '\0' || calls <= 0)
				usage();
		}
		scenario_bench(calls);
		return 0;
	}
	if (argc != 2)
		usage();
	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		if (strcmp(argv[1], scenarios[i].name) == 0) {
			scenarios[i].run();
			if (fflush(stdout) != 0)
				fail("stdout");
			return timed_out ? 1 : 0;
		}
	}
	usage();
}
