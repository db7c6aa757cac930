/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * truth_probe: plays one scenario of docs/LINUX.md on a loopback
 * connection and prints what each call returned, one observation a line,
 * for tests/truth.bats.
 *
 *	truth_probe rst-read | write-closed | linger-timeout | close-flushes |
 *	    linger0-other-process | shutwr-shared | shutrdwr-later-data |
 *	    timeouts-inherited
 *
 * The probe decides nothing: it prints what it saw ("read2 -1 ECONNRESET",
 * "close returned 0 after 1.00 s") and the test file holds the expected
 * lines, so that a kernel that behaves otherwise shows what it did instead.
 *
 * Both ends live in this process (and, for the fork scenario, a child):
 * the listener is on 127.0.0.1 port 0, never a fixed port.  Nothing waits
 * a guessed time: each wait is for a state the kernel reports (poll
 * revents, TCP_INFO, a byte from a child on a pipe), with a deadline, and
 * alarm() stops the whole run if something still hangs.
 *
 * Exit status 0, 1 if a wait passed its deadline (the line says
 * "timeout"), 2 on an unexpected failure (the message names the call).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
/* The kernel's struct tcp_info: glibc's <netinet/tcp.h> hides its own
 * under strict POSIX flags, and lacks tcpi_notsent_bytes.  The facts
 * tested here are Linux facts, so the probe may be Linux-only. */
#include <linux/tcp.h>

#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "sockinfo.h"

/* How long, in seconds, the kernel or the peer may take to reach a
 * state the scenario waits for. */
#define DEADLINE 5.0

/* The whole run, in seconds: a guard for a wait this file forgot. */
#define RUN_LIMIT 30

/* Buffer sizes for linger-timeout: small, so that a few writes fill the
 * sender's queue and the receiver's window. */
#define SMALL_BUF 4096

struct conn {
	int client;
	int server;
};

static int timed_out;

static _Noreturn void
die(const char *call)
{
	diag_err(errno, "%s", call);
	exit(2);
}

static void
close_or_die(int fd, const char *call)
{
	if (close(fd) < 0)
		die(call);
}

/* The errno names the scenarios expect, so that lines read as the
 * manual pages do; anything else is printed as strerror says it. */
static const char *
errno_name(int err)
{
	switch (err) {
	case ECONNRESET:
		return "ECONNRESET";
	case EPIPE:
		return "EPIPE";
	case EAGAIN:
		return "EAGAIN";
	case ENOTCONN:
		return "ENOTCONN";
	case 0:
		return "0";
	default:
		return strerror(err);
	}
}

/*
 * A client connected to a listener on 127.0.0.1 port 0, and the accepted
 * socket.  rcvbuf and sndbuf, if not 0, are set on the listener (the
 * accepted socket inherits it) and on the client before connect(): the
 * receive buffer fixes the window scale in the handshake, so it cannot be
 * shrunk afterwards.  timeouts, if not NULL, is set on the listener as
 * SO_RCVTIMEO and SO_SNDTIMEO (L20: the accepted socket inherits them).
 * On loopback connect() completes the handshake, so accept() does not
 * block.
 */
static void
conn_open_with(struct conn *c, int rcvbuf, int sndbuf,
    const struct timeval *timeouts)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int listener;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0)
		die("socket");
	if (rcvbuf != 0 && setsockopt(listener, SOL_SOCKET, SO_RCVBUF,
	    &rcvbuf, sizeof rcvbuf) < 0)
		die("setsockopt SO_RCVBUF");
	if (timeouts != NULL && (setsockopt(listener, SOL_SOCKET,
	    SO_RCVTIMEO, timeouts, sizeof *timeouts) < 0 ||
	    setsockopt(listener, SOL_SOCKET, SO_SNDTIMEO, timeouts,
	    sizeof *timeouts) < 0))
		die("setsockopt SO_RCVTIMEO on the listener");
	if (bind(listener, (struct sockaddr *)&sin, len) < 0)
		die("bind 127.0.0.1 0");
	if (listen(listener, 4) < 0)
		die("listen");
	if (getsockname(listener, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname");
	c->client = socket(AF_INET, SOCK_STREAM, 0);
	if (c->client < 0)
		die("socket");
	if (sndbuf != 0 && setsockopt(c->client, SOL_SOCKET, SO_SNDBUF,
	    &sndbuf, sizeof sndbuf) < 0)
		die("setsockopt SO_SNDBUF");
	if (connect(c->client, (struct sockaddr *)&sin, len) < 0)
		die("connect");
	c->server = accept(listener, NULL, NULL);
	if (c->server < 0)
		die("accept");
	/* One connection is all a scenario needs. */
	close_or_die(listener, "close listener");
}

static void
conn_open(struct conn *c, int rcvbuf, int sndbuf)
{
	conn_open_with(c, rcvbuf, sndbuf, NULL);
}

/* Milliseconds left until end, for poll(); at least 0. */
static int
ms_left(double end)
{
	double left = end - monotime_now();

	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

/*
 * Waits until poll() reports any of want on fd, at most DEADLINE.
 * events 0 waits for POLLERR or POLLHUP alone, which poll() always
 * reports: that is how an RST shows while data is still readable.
 * Returns the revents seen, or 0 after the deadline.
 */
static short
await_poll(int fd, short events, short want)
{
	double end = monotime_now() + DEADLINE;
	struct pollfd pfd;
	int rc;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, ms_left(end));
		if (rc < 0 && errno != EINTR)
			die("poll");
		if (rc > 0 && (pfd.revents & want) != 0)
			return pfd.revents;
		if (monotime_now() >= end) {
			timed_out = 1;
			return 0;
		}
	}
}

static void
say_revents(const char *step, short revents)
{
	printf("%s poll%s%s%s%s\n", step,
	    (revents & POLLIN) ? " POLLIN" : "",
	    (revents & POLLOUT) ? " POLLOUT" : "",
	    (revents & POLLERR) ? " POLLERR" : "",
	    (revents & POLLHUP) ? " POLLHUP" : "");
}

/* The state through the descriptor alone (TCP_INFO), not by tuple. */
static void
say_state(const char *step, int fd)
{
	const char *name = sockinfo_state_name(sockinfo_state(fd, NULL));

	printf("%s state=%s\n", step, name != NULL ? name : "unknown");
}

static void
say_so_error(const char *step, int fd)
{
	int err;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		die("getsockopt SO_ERROR");
	printf("%s so_error %s\n", step, errno_name(err));
}

/* One read() once fd is readable: "STEP N bytes TEXT", "STEP 0",
 * "STEP -1 ERRNO", or "STEP timeout". */
static void
say_read(const char *step, int fd)
{
	char buf[64];
	ssize_t n;

	if (await_poll(fd, POLLIN, POLLIN | POLLERR | POLLHUP) == 0) {
		printf("%s timeout\n", step);
		return;
	}
	n = io_read(fd, buf, sizeof buf);
	if (n > 0)
		printf("%s %zd bytes %.*s\n", step, n, (int)n, buf);
	else if (n == 0)
		printf("%s 0\n", step);
	else
		printf("%s -1 %s\n", step, errno_name(errno));
}

/* One write() of text: "STEP N" or "STEP -1 ERRNO". */
static void
say_write(const char *step, int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	if (n >= 0)
		printf("%s %zd\n", step, n);
	else
		printf("%s -1 %s\n", step, errno_name(errno));
}

/*
 * docs/LINUX.md, L12.
 * The server sends 5 bytes, which the client leaves unread,
 * then aborts (SO_LINGER {1,0}: RST).  The client then reads.
 */
static void
scenario_rst_read(void)
{
	struct conn c;
	short rev;

	conn_open(&c, 0, 0);
	if (io_write_all(c.server, "hello", 5) < 0)
		die("write to client");
	/* Readable means the segment is in the client's queue. */
	if (await_poll(c.client, POLLIN, POLLIN) == 0)
		diag_msg("data did not arrive");
	printf("before client unread=%d\n", sockinfo_unread(c.client));
	if (net_set_linger_abort(c.server) < 0)
		die("setsockopt SO_LINGER");
	close_or_die(c.server, "close server");
	/* POLLERR is the RST: the client has not read anything yet. */
	rev = await_poll(c.client, 0, POLLERR);
	say_revents("after-rst client", rev);
	say_state("after-rst client", c.client);
	printf("after-rst client unread=%d\n", sockinfo_unread(c.client));
	say_read("read1", c.client);
	say_read("read2", c.client);
	say_read("read3", c.client);
	say_read("read4", c.client);
}

/*
 * docs/LINUX.md, L13.
 * The server closes (FIN) and is gone; the client, which has
 * seen the FIN, writes into it.
 */
static void
scenario_write_closed(void)
{
	struct conn c;
	struct sigaction dfl;
	short rev;
	pid_t pid;
	int status;

	conn_open(&c, 0, 0);
	close_or_die(c.server, "close server");
	/* The FIN makes the client readable; it is not read here, so that
	 * the reads below are the first. */
	if (await_poll(c.client, POLLIN, POLLIN) == 0)
		diag_msg("FIN did not arrive");
	say_state("after-fin client", c.client);
	say_write("write1", c.client, "hello");
	/* The orphaned server answers the data with RST; events 0 waits
	 * for the POLLERR it raises, not for the FIN's POLLIN. */
	rev = await_poll(c.client, 0, POLLERR);
	say_revents("after-write1 client", rev);
	say_state("after-write1 client", c.client);
	say_so_error("after-write1 client", c.client);
	/* SIGPIPE is ignored (main), so the failure shows as errno. */
	say_write("write2", c.client, "hello");
	say_write("write3", c.client, "hello");

	/* The same write in a child with SIGPIPE at its default action:
	 * the signal kills it, which is what a program that forgot to
	 * ignore SIGPIPE sees. */
	(void)fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		if (sigaction(SIGPIPE, &dfl, NULL) < 0) {
			diag_err(errno, "child: sigaction SIGPIPE");
			_exit(2);
		}
		/* A write that returns (the signal did not kill) exits 0
		 * if it succeeded, 1 if it failed. */
		_exit(write(c.client, "hello", 5) == 5 ? 0 : 1);
	}
	/* The child's write does not block: alarm() guards this wait. */
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (WIFSIGNALED(status))
		printf("child-write killed by %s\n",
		    WTERMSIG(status) == SIGPIPE ? "SIGPIPE" : "another signal");
	else
		printf("child-write exited %d\n", WEXITSTATUS(status));

	say_read("read1", c.client);
	say_read("read2", c.client);
	say_so_error("end client", c.client);
}

/*
 * Whether the client's sending is stalled by the peer's window: data is
 * queued unsent and none is in flight.  With nothing unacknowledged,
 * neither Nagle nor the congestion window holds data back; only a window
 * too small for the next segment does, and the receiver, which does not
 * read, will not open it.
 */
static int
window_stalled(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO");
	return ti.tcpi_unacked == 0 && ti.tcpi_notsent_bytes > 0;
}

/*
 * Writes to fd (non-blocking) until the peer's window is full and data
 * waits unsent behind it.  Returns the number of bytes written.
 */
static long
fill_until_stalled(int fd)
{
	static char chunk[1024];
	double end = monotime_now() + DEADLINE;
	struct pollfd pfd;
	long total = 0;
	ssize_t n;

	memset(chunk, 'x', sizeof chunk);
	if (net_set_nonblock(fd, 1) < 0)
		die("fcntl O_NONBLOCK");
	for (;;) {
		while ((n = write(fd, chunk, sizeof chunk)) > 0)
			total += n;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			die("write to server");
		if (window_stalled(fd))
			break;
		if (monotime_now() >= end) {
			timed_out = 1;
			printf("fill timeout\n");
			break;
		}
		/* Room may come back as ACKs arrive (a delayed ACK, say);
		 * the short timeout is how often the stall is checked. */
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 10) < 0 && errno != EINTR)
			die("poll");
	}
	if (net_set_nonblock(fd, 0) < 0)
		die("fcntl ~O_NONBLOCK");
	return total;
}

/*
 * Reads fd until end of file or an error, counting the bytes in *got.
 * Returns what the last read() returned (0, or -1 with errno), or -2
 * when nothing came within DEADLINE.
 */
static ssize_t
read_to_end(int fd, long *got)
{
	static char buf[65536];
	ssize_t n;

	for (;;) {
		if (await_poll(fd, POLLIN, POLLIN | POLLERR | POLLHUP) == 0)
			return -2;
		n = io_read(fd, buf, sizeof buf);
		if (n <= 0)
			return n;
		*got += n;
	}
}

/* "WHO then read 0", "WHO then read -1 ERRNO" or "WHO read timeout", for
 * what read_to_end returned. */
static void
say_end(const char *who, ssize_t n)
{
	if (n == 0)
		printf("%s then read 0\n", who);
	else if (n == -1)
		printf("%s then read -1 %s\n", who, errno_name(errno));
	else
		printf("%s read timeout\n", who);
}

/*
 * docs/LINUX.md, L5, second half.
 * The server does not read; the client fills its
 * window and send queue, sets SO_LINGER {1,1} and closes its blocking
 * socket.  Then the server reads everything.
 */
static void
scenario_linger_timeout(void)
{
	static const struct linger one_second = { 1, 1 };
	struct conn c;
	struct sockinfo_id client_id;
	double t0, t1;
	long written, got = 0;
	ssize_t n;
	int rc, err;
	const char *name;

	conn_open(&c, SMALL_BUF, SMALL_BUF);
	if (sockinfo_identify(c.client, &client_id) < 0)
		die("sockinfo_identify");
	written = fill_until_stalled(c.client);
	printf("written %ld\n", written);
	printf("before-close client stalled=%d\n", window_stalled(c.client));
	if (setsockopt(c.client, SOL_SOCKET, SO_LINGER, &one_second,
	    sizeof one_second) < 0)
		die("setsockopt SO_LINGER");
	t0 = monotime_now();
	rc = close(c.client);
	err = errno;
	t1 = monotime_now();
	if (rc == 0)
		printf("close returned 0 after %.2f s\n", t1 - t0);
	else
		printf("close returned -1 %s after %.2f s\n", errno_name(err),
		    t1 - t0);
	/* No descriptor is left: the kernel's socket is found by tuple. */
	name = sockinfo_state_name(sockinfo_state(-1, &client_id));
	printf("after-close client state=%s\n",
	    name != NULL ? name : "unknown");

	/* Only now does the server read: the data and the FIN must come. */
	n = read_to_end(c.server, &got);
	if (n != -2)
		printf("server read %ld bytes\n", got);
	say_end("server", n);
}

/*
 * docs/LINUX.md, L2, its second paragraph.
 * The client does not read; the server writes until the client's window
 * is full and data waits unsent behind it, then closes its only
 * descriptor.  close() returns at once, and only then does the client
 * read: every byte must come, then end of file (a FIN, not an RST).
 */
static void
scenario_close_flushes(void)
{
	struct conn c;
	struct sockinfo_id server_id;
	double t0, t1;
	long written, got = 0;
	ssize_t n;
	int rc, err;
	const char *name;

	conn_open(&c, 0, 0);
	if (sockinfo_identify(c.server, &server_id) < 0)
		die("sockinfo_identify");
	written = fill_until_stalled(c.server);
	printf("before-close server stalled=%d\n", window_stalled(c.server));
	printf("before-close server queued=%s\n",
	    sockinfo_unsent(c.server) > 0 ? "yes" : "no");
	t0 = monotime_now();
	rc = close(c.server);
	err = errno;
	t1 = monotime_now();
	/* "At once" leaves room for a loaded machine; a close that waited
	 * for the queue to drain would wait for ever here: the client
	 * reads nothing until it returns. */
	if (rc == 0)
		printf("close returned 0 %s\n", t1 - t0 < 1.0 ? "at once" :
		    "late");
	else
		printf("close returned -1 %s\n", errno_name(err));
	name = sockinfo_state_name(sockinfo_state(-1, &server_id));
	printf("after-close server state=%s\n",
	    name != NULL ? name : "unknown");

	n = read_to_end(c.client, &got);
	if (n != -2)
		printf("client read %s\n", got == written ? "every byte" :
		    "less than was written");
	say_end("client", n);
}

/*
 * docs/LINUX.md, L5, first half.
 * After fork the child sets SO_LINGER {1,0} through
 * its descriptor and closes it; the parent, which never set the option,
 * closes last.
 */
static void
scenario_linger0_other_process(void)
{
	struct conn c;
	int ack[2];
	pid_t pid;
	char b;
	int status;

	conn_open(&c, 0, 0);
	if (pipe(ack) < 0)
		die("pipe");
	(void)fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* The child holds only its copy of the server socket. */
		(void)close(ack[0]);
		(void)close(c.client);
		if (net_set_linger_abort(c.server) < 0) {
			diag_err(errno, "child: setsockopt SO_LINGER");
			_exit(2);
		}
		if (close(c.server) < 0) {
			diag_err(errno, "child: close server");
			_exit(2);
		}
		/* 'k' tells the parent both calls are done. */
		_exit(write(ack[1], "k", 1) == 1 ? 0 : 2);
	}
	close_or_die(ack[1], "close pipe");
	if (await_poll(ack[0], POLLIN, POLLIN | POLLHUP) == 0 ||
	    read(ack[0], &b, 1) != 1) {
		diag_msg("child did not set SO_LINGER and close");
		exit(2);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	close_or_die(ack[0], "close pipe");
	/* The child's close was not the last: nothing went out. */
	say_state("child-closed client", c.client);
	printf("child-closed client unread=%d\n", sockinfo_unread(c.client));
	printf("child-closed parent linger-abort=%d\n",
	    sockinfo_linger_abort(c.server));
	close_or_die(c.server, "close server");
	say_read("parent-closed client read", c.client);
}

/*
 * docs/LINUX.md, L7 and L8.
 * After fork the parent shuts the server socket down for
 * writing while the child still holds a copy; then each holder tries to
 * write, and the client sends something for the parent to read.
 */
static void
scenario_shutwr_shared(void)
{
	struct conn c;
	struct sigaction dfl;
	int go[2];
	pid_t pid;
	char b;
	int status;

	conn_open(&c, 0, 0);
	if (pipe(go) < 0)
		die("pipe");
	(void)fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* The child holds its copy until the parent's word, then
		 * writes with SIGPIPE at its default action. */
		(void)close(go[1]);
		(void)close(c.client);
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		if (sigaction(SIGPIPE, &dfl, NULL) < 0 ||
		    read(go[0], &b, 1) != 1)
			_exit(2);
		_exit(write(c.server, "hello", 5) == 5 ? 0 : 1);
	}
	close_or_die(go[0], "close pipe");
	if (shutdown(c.server, SHUT_WR) < 0)
		die("shutdown SHUT_WR");
	/* The FIN went out although the child still holds the socket. */
	say_read("shutdown client read", c.client);
	say_write("parent-write", c.server, "hello");
	if (write(go[1], "w", 1) != 1)
		die("write pipe");
	/* The child's write does not block: alarm() guards this wait. */
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (WIFSIGNALED(status))
		printf("child-write killed by %s\n",
		    WTERMSIG(status) == SIGPIPE ? "SIGPIPE" : "another signal");
	else
		printf("child-write exited %d\n", WEXITSTATUS(status));
	close_or_die(go[1], "close pipe");
	/* Reading still works. */
	say_write("client-write", c.client, "hi");
	say_read("server read", c.server);
}

/*
 * docs/LINUX.md, L10.
 * The server shuts its socket down both ways; the client, which
 * has seen the FIN, writes.
 */
static void
scenario_shutrdwr_later_data(void)
{
	struct conn c;
	short rev;

	conn_open(&c, 0, 0);
	if (shutdown(c.server, SHUT_RDWR) < 0)
		die("shutdown SHUT_RDWR");
	say_read("shutdown client read", c.client);
	say_write("client-write", c.client, "hello");
	/* The answer is an RST: POLLERR at the client. */
	rev = await_poll(c.client, 0, POLLERR);
	say_revents("after-write client", rev);
	say_state("after-write client", c.client);
	/* The data is not queued at the server, whose socket the RST it
	 * sent has ended too. */
	printf("after-write server unread=%d\n", sockinfo_unread(c.server));
	say_state("after-write server", c.server);
	say_read("server read", c.server);
}

/*
 * L20: SO_RCVTIMEO and SO_SNDTIMEO set on a listening socket are the
 * accepted socket's too (forkechod sets its idle timeout once, there).
 * The kernel keeps them in jiffies, so 1.5 s is what a 250 or 1000 Hz
 * kernel gives back exactly.
 */
static void
scenario_timeouts_inherited(void)
{
	struct timeval set = { 1, 500000 }, got;
	struct conn c;
	static const struct {
		int opt;
		const char *name;
	} opts[] = { { SO_RCVTIMEO, "SO_RCVTIMEO" },
	    { SO_SNDTIMEO, "SO_SNDTIMEO" } };
	size_t i;

	conn_open_with(&c, 0, 0, &set);
	for (i = 0; i < 2; i++) {
		socklen_t glen = sizeof got;

		memset(&got, 0, sizeof got);
		if (getsockopt(c.server, SOL_SOCKET, opts[i].opt, &got,
		    &glen) < 0)
			die("getsockopt on the accepted socket");
		printf("accepted %s %ld.%06ld\n", opts[i].name,
		    (long)got.tv_sec, (long)got.tv_usec);
	}
	close_or_die(c.server, "close server");
	close_or_die(c.client, "close client");
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: truth_probe rst-read|write-closed|"
	    "linger-timeout|close-flushes|linger0-other-process|"
	    "shutwr-shared|shutrdwr-later-data|timeouts-inherited\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		void (*run)(void);
	} scenarios[] = {
		{ "rst-read", scenario_rst_read },
		{ "write-closed", scenario_write_closed },
		{ "linger-timeout", scenario_linger_timeout },
		{ "close-flushes", scenario_close_flushes },
		{ "linger0-other-process", scenario_linger0_other_process },
		{ "shutwr-shared", scenario_shutwr_shared },
		{ "shutrdwr-later-data", scenario_shutrdwr_later_data },
		{ "timeouts-inherited", scenario_timeouts_inherited },
	};
	size_t i;

	diag_set_progname("truth_probe");
	/* Writes into a reset socket must fail with EPIPE, not kill. */
	if (io_ignore_sigpipe() < 0)
		die("sigaction SIGPIPE");
	if (argc != 2)
		usage();
	/* SIGALRM's default action ends the run: a hang becomes a failure
	 * with a status the test shows. */
	(void)alarm(RUN_LIMIT);
	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		if (strcmp(argv[1], scenarios[i].name) == 0) {
			scenarios[i].run();
			if (fflush(stdout) != 0)
				die("write stdout");
			return timed_out ? 1 : 0;
		}
	}
	usage();
}
