/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * dribble: many slow clients at once (slowloris), for the tests and
 * make stress.
 *
 *	dribble [-n N] [-i SECS] [-d SECS] [-t SECS] [-w SECS] host port
 *
 * Opens N connections (default 100) at once and sends one byte on each
 * every -i seconds (default 2; the connections take turns, so that the
 * bytes are spread over the interval), reading back whatever the server
 * echoes.  After -d seconds (default 5) it stops sending and half-closes
 * every connection still open, then waits at most -w seconds (default 5)
 * for the rest of each echo and the server's FIN; what is still open then
 * is closed.  One line at the end, for scripts:
 *
 *	dribble: N connected, E echoing, F ended by the server, R reset,
 *	    O open at the end; S bytes sent, B echoed, L lost; served ones
 *	    shed after X to Y s of silence
 *
 * or, when the server ended none (F is 0), "...; none shed" at the end:
 * there is no silence to give.
 *
 * "echoing": connections that got at least one byte back while the bytes
 * were dribbling; "ended by the server": its FIN before our half-close
 * (the server shed the connection); "lost": bytes sent on a connection
 * that the server ended with FIN and not echoed (an echo server that sheds
 * an idle connection must still echo what it read).  The silence before a
 * FIN runs from the last byte echoed, or from the connection's first
 * byte, to the FIN.
 *
 * With -t SECS (the server's idle timeout), a byte sent once its
 * connection has heard nothing for half of SECS may meet the server's
 * idle close on the way: no server can echo what it had given up on
 * before the byte came.  Half, because the silence the client measures
 * starts when the echo arrives, later than the server's by however long
 * a loaded machine delays either side.  Such bytes, when not echoed, are
 * counted as "crossed", not lost, and an RST that they draw (the server
 * closed with them unread) counts as the server's end, not as a reset.
 * The line then says "L lost, C crossed the server's close;".
 *
 * Exit status 0 when the run took place, 1 when a
 * connection could not be made or a byte came back wrong, 64 for bad
 * usage.  Bounded: everything ends within -d plus -w seconds, plus the
 * connect wait (-w too).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "num.h"

#define DRIBBLE_MAX 4096

enum slow_state { SLOW_CONNECTING, SLOW_OPEN, SLOW_DONE };

struct slow {
	enum slow_state state;
	int fd;
	double next_send;	/* when the next byte goes */
	double first_sent;	/* when the first byte went, or 0 */
	double last_echo;	/* when the last byte came back, or 0 */
	unsigned long sent, echoed;
	int half_closed;
	int echoing;		/* a byte came back while dribbling */
	int shed;		/* the server's FIN came before ours */
	int reset;
	int late;		/* sent after -t's silence, not echoed yet */
	unsigned long late_from;	/* sent count when late began */
};

struct totals {
	unsigned long connected, echoing, shed, reset, open;
	unsigned long sent, echoed, lost, crossed, wrong;
	double silence_min, silence_max;
};

/* Byte k of every connection: a letter, so that a wrong one shows. */
static unsigned char
byte_at(unsigned long k)
{
	return (unsigned char)('a' + k % 26);
}

/* The server ended connection s at now: its silence before that. */
static void
count_shed(const struct slow *s, struct totals *t, double now)
{
	double from = s->last_echo > 0 ? s->last_echo : s->first_sent;
	double silence = now - from;

	if (t->shed == 0 || silence < t->silence_min)
		t->silence_min = silence;
	if (silence > t->silence_max)
		t->silence_max = silence;
	t->shed++;
}

/* A read or send on s failed: a reset, unless bytes that crossed the
 * server's idle close (-t) drew it, when it is the server's end: closed
 * with them unread, the server sends RST instead of FIN. */
static void
slow_failed(struct slow *s, struct totals *t, double now)
{
	s->state = SLOW_DONE;
	if (s->late && s->echoed >= s->late_from && !s->half_closed) {
		s->shed = 1;
		count_shed(s, t, now);
	} else
		s->reset = 1;
}

static void
slow_receive(struct slow *s, struct totals *t, double now, double stop_at)
{
	unsigned char buf[256];
	ssize_t n = io_read(s->fd, buf, sizeof buf);
	ssize_t i;

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		slow_failed(s, t, now);
		return;
	}
	if (n == 0) {
		s->shed = !s->half_closed;
		s->state = SLOW_DONE;
		if (s->shed)
			count_shed(s, t, now);
		return;
	}
	for (i = 0; i < n; i++)
		if (buf[i] != byte_at(s->echoed + (unsigned long)i))
			t->wrong++;
	s->echoed += (unsigned long)n;
	s->last_echo = now;
	s->late = 0;
	if (now < stop_at)
		s->echoing = 1;
}

static void
slow_send(struct slow *s, struct totals *t, double now, double interval,
    double idle)
{
	unsigned char b = byte_at(s->sent);

	if (idle > 0 && !s->late && s->last_echo > 0 &&
	    s->echoed == s->sent && now - s->last_echo >= idle / 2) {
		s->late = 1;
		s->late_from = s->sent;
	}

	if (send(s->fd, &b, 1, MSG_NOSIGNAL) == 1) {
		if (s->sent++ == 0)
			s->first_sent = now;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		slow_failed(s, t, now);
		return;
	}
	s->next_send += interval;
}

/* What a run is told: from the command line. */
struct plan {
	unsigned long n;
	double interval, duration, wait;
	double idle;		/* -t: the server's idle timeout, or 0 */
	const char *host, *port;
	struct addr server;
};

/*
 * Connects slow[0..n-1], dribbles, half-closes, waits, and counts into t.
 * Returns 0, or -1 when a connection could not be made (said on standard
 * error).  Closes every socket it opened.
 */
static int
run(const struct plan *p, struct slow *slow, struct pollfd *pfds,
    struct totals *t)
{
	double start, stop_at, end_at;
	unsigned long i, n = p->n, opened = 0;
	int rc = -1;

	start = monotime_now();
	stop_at = start + p->duration;
	end_at = stop_at + p->wait;
	for (i = 0; i < n; i++) {
		struct slow *s = &slow[i];

		s->fd = socket(p->server.ss.ss_family, SOCK_STREAM, 0);
		if (s->fd < 0 || net_set_nonblock(s->fd, 1) < 0) {
			diag_err(errno, "socket %lu of %lu", i + 1, n);
			goto out;
		}
		opened++;
		/* Turns spread over the interval: not 500 bytes at once. */
		s->next_send = start + p->interval * (double)i / (double)n;
		s->state = SLOW_CONNECTING;
		if (connect(s->fd, (const struct sockaddr *)&p->server.ss,
		    p->server.len) == 0)
			s->state = SLOW_OPEN;
		else if (errno != EINPROGRESS) {
			diag_err(errno, "connect %s %s (connection %lu)",
			    p->host, p->port, i + 1);
			goto out;
		}
	}

	for (;;) {
		double now = monotime_now();
		int timeout = -1, busy = 0, ready;

		if (now >= end_at)
			break;
		for (i = 0; i < n; i++) {
			struct slow *s = &slow[i];
			double due;

			pfds[i].fd = -1;
			pfds[i].revents = 0;
			if (s->state == SLOW_DONE)
				continue;
			busy = 1;
			pfds[i].fd = s->fd;
			if (s->state == SLOW_CONNECTING) {
				pfds[i].events = POLLOUT;
				if (now >= start + p->wait) {
					diag_msg("connection %lu: not made "
					    "within %.1f s", i + 1, p->wait);
					goto out;
				}
				continue;
			}
			pfds[i].events = POLLIN;
			if (now >= stop_at && !s->half_closed) {
				s->half_closed = 1;
				(void)net_half_close(s->fd);
			}
			if (s->half_closed)
				continue;
			if (now >= s->next_send)
				slow_send(s, t, now, p->interval, p->idle);
			due = s->next_send < stop_at ? s->next_send : stop_at;
			if (timeout < 0 ||
			    monotime_ms_until(due, now) < timeout)
				timeout = monotime_ms_until(due, now);
		}
		if (!busy)
			break;
		if (timeout < 0 || monotime_ms_until(end_at, now) < timeout)
			timeout = monotime_ms_until(end_at, now);
		ready = poll(pfds, (nfds_t)n, timeout);
		if (ready < 0 && errno != EINTR) {
			diag_err(errno, "poll");
			goto out;
		}
		now = monotime_now();
		for (i = 0; i < n && ready > 0; i++) {
			struct slow *s = &slow[i];

			if (pfds[i].revents == 0 || s->state == SLOW_DONE)
				continue;
			if (s->state == SLOW_CONNECTING) {
				int soerr = 0;
				socklen_t len = sizeof soerr;

				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR,
				    &soerr, &len) < 0 || soerr != 0) {
					diag_err(soerr, "connect %s %s "
					    "(connection %lu)", p->host,
					    p->port, i + 1);
					goto out;
				}
				s->state = SLOW_OPEN;
				continue;
			}
			slow_receive(s, t, now, stop_at);
		}
	}

	for (i = 0; i < n; i++) {
		struct slow *s = &slow[i];

		if (s->state != SLOW_CONNECTING)
			t->connected++;
		if (s->echoing)
			t->echoing++;
		if (s->reset)
			t->reset++;
		if (s->state != SLOW_DONE)
			t->open++;
		if (s->shed && s->echoed < s->sent) {
			unsigned long unechoed = s->sent - s->echoed;
			unsigned long crossed = 0;

			if (s->late && s->echoed >= s->late_from)
				crossed = unechoed;
			t->crossed += crossed;
			t->lost += unechoed - crossed;
		}
		t->sent += s->sent;
		t->echoed += s->echoed;
	}
	rc = 0;
out:
	for (i = 0; i < opened; i++)
		io_close_quiet(slow[i].fd);
	return rc;
}

static void
usage(void)
{
	diag_msg("usage: dribble [-n n] [-i secs] [-d secs] [-t secs] "
	    "[-w secs] host port");
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct plan plan = { .n = 100, .interval = 2, .duration = 5,
	    .wait = 5 };
	struct slow *slow;
	struct pollfd *pfds;
	struct totals t;
	struct rlimit rl;
	char err[256];
	int c, rc;

	diag_set_progname("dribble");
	if (io_ignore_sigpipe() < 0) {
		diag_err(errno, "sigaction SIGPIPE");
		return 1;
	}
	while ((c = getopt(argc, argv, "d:i:n:t:w:")) != -1) {
		rc = 0;
		switch (c) {
		case 'd':
			rc = num_parse_seconds(optarg, 3600, &plan.duration);
			break;
		case 'i':
			rc = num_parse_seconds(optarg, 3600, &plan.interval);
			break;
		case 'n':
			rc = num_parse_ulong(optarg, 1, DRIBBLE_MAX, &plan.n);
			break;
		case 't':
			rc = num_parse_seconds(optarg, 3600, &plan.idle);
			break;
		case 'w':
			rc = num_parse_seconds(optarg, 3600, &plan.wait);
			break;
		default:
			usage();
		}
		if (rc < 0 || plan.interval <= 0 || plan.wait <= 0) {
			diag_msg("-%c: bad value '%s'", c, optarg);
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	plan.host = argv[optind];
	plan.port = argv[optind + 1];
	if (addr_resolve(plan.host, plan.port, 0, &plan.server, err,
	    sizeof err) < 0) {
		diag_msg("%s %s: %s", plan.host, plan.port, err);
		return 1;
	}
	/* A descriptor a connection, and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < plan.n + 16) {
		rl.rlim_cur = plan.n + 16 <= rl.rlim_max ? plan.n + 16 :
		    rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	slow = calloc(plan.n, sizeof *slow);
	pfds = calloc(plan.n, sizeof *pfds);
	if (slow == NULL || pfds == NULL) {
		diag_err(errno, "calloc %lu connections", plan.n);
		free(slow);
		free(pfds);
		return 1;
	}
	memset(&t, 0, sizeof t);
	rc = run(&plan, slow, pfds, &t);
	free(slow);
	free(pfds);
	if (rc < 0)
		return 1;
	printf("dribble: %lu connected, %lu echoing, %lu ended by the server, "
	    "%lu reset, %lu open at the end; %lu bytes sent, %lu echoed, %lu "
	    "lost", t.connected, t.echoing, t.shed, t.reset, t.open, t.sent,
	    t.echoed, t.lost);
	if (plan.idle > 0)
		printf(", %lu crossed the server's close", t.crossed);
	if (t.shed > 0)
		printf("; served ones shed after %.2f to %.2f s of silence\n",
		    t.silence_min, t.silence_max);
	else
		printf("; none shed\n");
	if (t.wrong > 0)
		diag_msg("%lu bytes came back wrong", t.wrong);
	return t.wrong > 0 ? 1 : 0;
}
