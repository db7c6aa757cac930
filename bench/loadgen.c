/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "echocheck.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "pattern.h"
#include "stats.h"

/* The most read at once: more than loopback hands over in one read. */
#define READ_SIZE ((size_t)256 * 1024)
#define MIB 1048576.0
/* The longest poll() sleeps: a stop signal that lands just before it
 * is not seen until it returns (poll, unlike pselect, cannot unblock it
 * atomically, and pselect's fd_set cannot hold 4096 descriptors). */
#define POLL_MAX_MS 250
/* What one connection may write in a turn of the loop, so that small
 * --size writes do not cost a poll() each, nor starve the others. */
#define WRITE_BUDGET READ_SIZE
#define WRITES_PER_TURN 64
/* Error details shown at once; after that, one a second. */
#define DETAILS_BURST 10.0
/* Loopback sources: 127.0.X.Y for X from 1 to 255 and Y from 1 to 254. */
#define SOURCE_COUNT (255UL * 254UL)

enum conn_state {
	CONN_IDLE,		/* sessions: no socket; the next may start */
	CONN_CONNECTING,	/* non-blocking connect() in progress */
	CONN_OPEN,		/* established */
	CONN_DONE		/* rtt, bulk: the connection has ended */
};

/* One connection in flight. */
struct conn {
	enum conn_state state;
	int fd;
	uint64_t id;		/* connection number, from 1 */
	unsigned long source;	/* its source address, if bound (index) */
	int half_closed;	/* shutdown(SHUT_WR) done */
	enum bench_close how;	/* sessions: how this one ends */
	int in_op;		/* rtt: a round trip is under way */
	uint64_t op;		/* rtt: that round trip's number, from 1 */
	size_t origin;		/* pattern offset of the op's or stream's
				 * first byte */
	uint64_t target;	/* bytes to send in the op or stream */
	uint64_t sent;		/* of them, sent so far */
	uint64_t received;	/* bytes echoed and checked */
	double op_start;	/* sessions: before connect(); rtt: before
				 * the round trip's first write */
	double last_progress;	/* connected, or a byte sent or received */
};

struct run {
	const struct bench_config *cfg;
	struct bench_result *res;
	struct conn *conns;	/* cfg->concurrency of them */
	struct pollfd *pfds;	/* pfds[i] polls conns[i], or is -1 */
	unsigned char *pattern;
	unsigned char *rbuf;
	double start;
	double deadline;	/* start + duration */
	int stopping;		/* no operation starts any more */
	uint64_t started;	/* sessions or round trips started */
	uint64_t conn_ids;	/* connections started */
	unsigned long sources;	/* source addresses handed out */
	int spread;		/* bind each socket to a loopback source */
	struct stats_samples lat;
	double tokens;		/* error details that may be shown now */
	double token_time;
	uint64_t not_shown;	/* error details left out */
};

/* What error details call a connection. */
static const char *const conn_names[] = {
	/* TRANSLATORS: an error detail starts with one of these three and
	 * the connection's number: "session 12: ...". */
	[BENCH_SESSIONS] = N_("session"),
	[BENCH_BULK] = N_("stream"),
	[BENCH_RTT] = N_("connection"),
};

int
loadgen_resolve(const char *host, const char *port, struct addr *out,
    char *err, size_t errlen)
{
	char why[256];

	if (addr_resolve(host, port, 0, out, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s %s: %s", host, port, why);
		return -1;
	}
	return 0;
}

/* --- what each session sends, and how it ends */

/* The size of session n: --size, or from a range, as often between 2^k
 * and 2^(k+1) as between any other two powers of two, so that small
 * sessions are as common as in real traffic and large ones still come. */
static uint64_t
session_size(const struct bench_config *cfg, uint64_t n)
{
	uint64_t h = pattern_hash(n ^ 0x5e55105eULL), lo, hi;
	unsigned bits_min = 0, bits_max = 0, span, b;

	if (cfg->size_min == 0 || cfg->size_min >= cfg->size)
		return cfg->size;
	/* Sizes are at most BENCH_SIZE_MAX, far below 2^62. */
	while (bits_min < 62 && (1ULL << (bits_min + 1)) <= cfg->size_min)
		bits_min++;
	while (bits_max < 62 && (1ULL << (bits_max + 1)) <= cfg->size)
		bits_max++;
	/* A power of two from the range's, then a size within it
	 * (bits_max is at least bits_min, as size is above size_min). */
	span = bits_max >= bits_min ? bits_max - bits_min + 1 : 1;
	b = bits_min + (unsigned)(h % span);
	lo = 1ULL << b;
	hi = (1ULL << (b + 1)) - 1;
	if (lo < cfg->size_min)
		lo = cfg->size_min;
	if (hi > cfg->size)
		hi = cfg->size;
	return hi > lo ? lo + (h >> 16) % (hi - lo + 1) : lo;
}

/* How session n ends: --close, or with mixed, one of the three ways in
 * turn by a hash of n, so that no way comes in runs. */
static enum bench_close
session_close(const struct bench_config *cfg, uint64_t n)
{
	if (cfg->close != BENCH_CLOSE_MIXED)
		return cfg->close;
	return (enum bench_close)(pattern_hash(n ^ 0xc105eULL) % BENCH_CLOSE_WAYS);
}

/* --- source addresses */

static int
is_ipv4_loopback(const struct addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

	return a->ss.ss_family == AF_INET &&
	    (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

/*
 * Source address number i.  127.0.0.0/24 is left out, so that the usual
 * server address 127.0.0.1 is never one; every other address of
 * 127.0.0.0/8 reaches a server on 127.0.0.1 over the loopback device.
 */
static void
source_addr(unsigned long i, struct sockaddr_in *sin)
{
	unsigned long k = i % SOURCE_COUNT;

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = 0;
	sin->sin_addr.s_addr = htonl((uint32_t)(0x7f000000UL |
	    (1 + k / 254) << 8 | (1 + k % 254)));
}

static void
source_text(unsigned long i, char *buf, size_t len)
{
	struct sockaddr_in sin;

	source_addr(i, &sin);
	if (inet_ntop(AF_INET, &sin.sin_addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* --- errors */

/* Whether an error detail is shown on standard error: DETAILS_BURST at
 * once, then one a second, so that a run with a million errors stays
 * readable.  A detail not shown is counted, and neither formatted nor
 * translated. */
static int
detail_due(struct run *r)
{
	double now = monotime_now();

	r->tokens += now - r->token_time;
	if (r->tokens > DETAILS_BURST)
		r->tokens = DETAILS_BURST;
	r->token_time = now;
	if (r->tokens < 1) {
		r->not_shown++;
		return 0;
	}
	r->tokens -= 1;
	return 1;
}

static int
may_start(const struct run *r)
{
	return !r->stopping &&
	    (r->cfg->count == 0 || r->started < r->cfg->count);
}

static void
conn_close(struct run *r, struct conn *c)
{
	if (c->fd >= 0)
		io_close_quiet(c->fd);
	c->fd = -1;
	c->in_op = 0;
	c->half_closed = 0;
	c->state = r->cfg->mode == BENCH_SESSIONS ? CONN_IDLE : CONN_DONE;
}

/*
 * Counts an error of kind on c, shows what happened, and drops the
 * connection.  fmt is English, marked with N_() where it has words: it
 * is translated only if the detail is shown.  With in_trip, the detail
 * names the round trip under way, if one is.
 */
static void
conn_failv(struct run *r, struct conn *c, enum bench_error kind,
    int in_trip, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void
conn_failv(struct run *r, struct conn *c, enum bench_error kind,
    int in_trip, const char *fmt, va_list ap)
{
	char what[256];

	r->res->error_kinds[kind]++;
	r->res->errors++;
	if (detail_due(r)) {
		/* The analyzer loses track of ap here, as in diag_vmsg. */
		(void)vsnprintf(what, sizeof what, _(fmt), ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
		if (in_trip && c->in_op)
			diag_msg(_("%s %" PRIu64 ": round trip %" PRIu64
			    ": %s"), _(conn_names[r->cfg->mode]), c->id,
			    c->op, what);
		else
			diag_msg("%s %" PRIu64 ": %s",
			    _(conn_names[r->cfg->mode]), c->id, what);
	}
	conn_close(r, c);
	/* Nothing has ever connected and every connection has failed once:
	 * the server is not there, and trying on for the whole duration
	 * would only count the same failure again. */
	if (kind == BENCH_ERR_CONNECT && r->res->connections == 0 &&
	    r->res->error_kinds[BENCH_ERR_CONNECT] >= r->cfg->concurrency)
		r->stopping = 1;
}

static void
conn_fail(struct run *r, struct conn *c, enum bench_error kind,
    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
conn_fail(struct run *r, struct conn *c, enum bench_error kind,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_failv(r, c, kind, 0, fmt, ap);
	va_end(ap);
}

/* conn_fail, naming the round trip under way (rtt), if one is. */
static void
trip_fail(struct run *r, struct conn *c, enum bench_error kind,
    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
trip_fail(struct run *r, struct conn *c, enum bench_error kind,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_failv(r, c, kind, 1, fmt, ap);
	va_end(ap);
}

static void
connect_failed(struct run *r, struct conn *c, int err)
{
	char from[INET_ADDRSTRLEN];

	if (!r->spread) {
		conn_fail(r, c, BENCH_ERR_CONNECT, "connect %s %s: %s",
		    r->cfg->host, r->cfg->port, strerror(err));
		return;
	}
	source_text(c->source, from, sizeof from);
	/* TRANSLATORS: connect is the call; the host, the port, the
	 * source address, then the system's reason. */
	conn_fail(r, c, BENCH_ERR_CONNECT, N_("connect %s %s from %s: %s"),
	    r->cfg->host, r->cfg->port, from, strerror(err));
}

/* A read or write on an established connection failed with err. */
static void
socket_failed(struct run *r, struct conn *c, const char *call, int err)
{
	/* ETIMEDOUT: the kernel gave up retransmitting; the connection
	 * stalled, as with the run's own wait. */
	conn_fail(r, c, err == ETIMEDOUT ? BENCH_ERR_TIMEOUT : BENCH_ERR_RESET,
	    "%s %s %s: %s", call, r->cfg->host, r->cfg->port, strerror(err));
}

/* --- one connection */

static void
op_done(struct run *r, struct conn *c)
{
	r->res->ops++;
	if (r->cfg->mode != BENCH_BULK)
		stats_add(&r->lat, monotime_now() - c->op_start);
}

/* Sends FIN: the end of the op (sessions) or of the connection.  Returns
 * 0, or -1 if c was dropped. */
static int
half_close(struct run *r, struct conn *c)
{
	c->half_closed = 1;
	if (net_half_close(c->fd) < 0) {
		socket_failed(r, c, "shutdown", errno);
		return -1;
	}
	return 0;
}

/* Ends a session that is not to half-close, once all of it is sent:
 * close(2) with the rest of the echo unread (the kernel then resets the
 * connection if any of it had come), or an abort, RST for sure.  What
 * came back until then was checked. */
static void
session_drop(struct run *r, struct conn *c)
{
	static const struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };

	if (c->how == BENCH_CLOSE_LINGER0 && setsockopt(c->fd, SOL_SOCKET,
	    SO_LINGER, &abort_now, sizeof abort_now) < 0) {
		conn_fail(r, c, BENCH_ERR_CONNECT, "setsockopt SO_LINGER: %s",
		    strerror(errno));
		return;
	}
	r->res->closes[c->how]++;
	op_done(r, c);
	conn_close(r, c);
}

static int
wants_write(const struct run *r, const struct conn *c)
{
	if (c->state != CONN_OPEN || c->half_closed || c->sent >= c->target)
		return 0;
	return r->cfg->mode != BENCH_RTT || c->in_op;
}

/* Writes what is left of the op or stream, --size bytes a write, straight
 * from the pattern, until the socket is full or the turn's share is used.
 * Half-closes once all is sent (sessions, bulk). */
static void
conn_send(struct run *r, struct conn *c, double now)
{
	size_t budget = WRITE_BUDGET;
	int writes = 0;

	while (c->sent < c->target && budget > 0 &&
	    writes++ < WRITES_PER_TURN) {
		uint64_t left = c->target - c->sent;
		size_t len = left < r->cfg->size ? (size_t)left : r->cfg->size;
		ssize_t n;

		/* MSG_NOSIGNAL: a server that has gone is an error to
		 * count, not a reason to die of SIGPIPE. */
		n = send(c->fd, r->pattern + pattern_at(c->origin, c->sent), len,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			socket_failed(r, c, "write", errno);
			return;
		}
		c->sent += (uint64_t)n;
		c->last_progress = now;
		if ((size_t)n < len)
			return;		/* the socket buffer is full */
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
	}
	if (c->sent < c->target || r->cfg->mode == BENCH_RTT ||
	    c->half_closed)
		return;
	if (r->cfg->mode == BENCH_SESSIONS && c->how != BENCH_CLOSE_SHUTDOWN)
		session_drop(r, c);
	else
		(void)half_close(r, c);
}

/* rtt: starts the next round trip on c, or, when no more may start,
 * half-closes to end the connection. */
static void
next_round_trip(struct run *r, struct conn *c)
{
	if (!may_start(r)) {
		(void)half_close(r, c);
		return;
	}
	r->started++;
	c->in_op = 1;
	c->op = r->started;
	c->origin = pattern_origin(c->op);
	c->target = r->cfg->size;
	c->sent = 0;
	c->received = 0;
	c->op_start = monotime_now();
	/* At once rather than after the next poll(): the round trip has
	 * started, and the socket is all but always writable. */
	conn_send(r, c, c->op_start);
}

static void
conn_established(struct run *r, struct conn *c, double now)
{
	c->state = CONN_OPEN;
	c->last_progress = now;
	r->res->connections++;
	switch (r->cfg->mode) {
	case BENCH_SESSIONS:
		conn_send(r, c, now);
		break;
	case BENCH_BULK:
		c->origin = pattern_origin(c->id);
		if (r->stopping)
			c->target = 0;
		else if (r->cfg->count > 0)
			c->target = r->cfg->count * (uint64_t)MIB;
		else
			c->target = UINT64_MAX;
		conn_send(r, c, now);
		break;
	case BENCH_RTT:
		next_round_trip(r, c);
		break;
	}
}

/* Opens a socket for c and starts connecting it. */
static void
conn_start(struct run *r, struct conn *c, double now)
{
	const struct addr *a = &r->cfg->server;
	int one = 1;

	c->id = ++r->conn_ids;
	c->state = CONN_CONNECTING;
	c->sent = 0;
	c->received = 0;
	c->half_closed = 0;
	c->in_op = 0;
	/* Now, not the loop's time: a session's latency starts here. */
	c->op_start = monotime_now();
	c->last_progress = now;
	if (r->cfg->mode == BENCH_SESSIONS) {
		r->started++;
		c->origin = pattern_origin(c->id);
		c->target = session_size(r->cfg, c->id);
		c->how = session_close(r->cfg, c->id);
	}
	c->fd = socket(a->ss.ss_family, SOCK_STREAM, 0);
	if (c->fd < 0) {
		conn_fail(r, c, BENCH_ERR_CONNECT, "socket: %s",
		    strerror(errno));
		return;
	}
	if (net_set_nonblock(c->fd, 1) < 0) {
		conn_fail(r, c, BENCH_ERR_CONNECT, "fcntl O_NONBLOCK: %s",
		    strerror(errno));
		return;
	}
	/* A round trip's latency is the server's, not Nagle's algorithm
	 * holding a message's tail back for an ACK. */
	if (r->cfg->mode == BENCH_RTT && setsockopt(c->fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof one) < 0) {
		conn_fail(r, c, BENCH_ERR_CONNECT, "setsockopt TCP_NODELAY: "
		    "%s", strerror(errno));
		return;
	}
	if (r->spread) {
		struct sockaddr_in sin;

		/* Each source address has its own ports, so a long run of
		 * sessions leaves its TIME_WAIT entries spread over them
		 * instead of using up the ephemeral ports of one. */
		c->source = r->sources++;
		source_addr(c->source, &sin);
		if (bind(c->fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
			char from[INET_ADDRSTRLEN];
			int e = errno;

			source_text(c->source, from, sizeof from);
			conn_fail(r, c, BENCH_ERR_CONNECT, "bind %s: %s", from,
			    strerror(e));
			return;
		}
	}
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->len) == 0) {
		conn_established(r, c, monotime_now());
		return;
	}
	/* EINTR: the connection goes on in the background, as with
	 * EINPROGRESS. */
	if (errno != EINPROGRESS && errno != EINTR)
		connect_failed(r, c, errno);
}

/* The socket of a connect() in progress is writable, or has failed. */
static void
finish_connect(struct run *r, struct conn *c)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr != 0)
		connect_failed(r, c, soerr);
	else
		conn_established(r, c, monotime_now());
}

/* The bytes c may still receive: what was sent (bulk), the message
 * (sessions, a round trip under way), or none (rtt between them). */
static uint64_t
expected(const struct run *r, const struct conn *c)
{
	switch (r->cfg->mode) {
	case BENCH_BULK:
		return c->sent;
	case BENCH_RTT:
		return c->in_op ? c->target : c->received;
	case BENCH_SESSIONS:
		break;
	}
	return c->target;
}

/* Checks n bytes that came back against the pattern.  Returns 0, or -1
 * if c was dropped. */
static int
check_echo(struct run *r, struct conn *c, size_t n)
{
	uint64_t room = expected(r, c) - c->received;
	size_t ok = echocheck_prefix(r->rbuf, n,
	    r->pattern + pattern_at(c->origin, c->received), room);

	/* The bytes before the first that differs did come back intact. */
	c->received += ok;
	r->res->bytes += ok;
	if (ok == n)
		return 0;
	if (ok < room)
		trip_fail(r, c, BENCH_ERR_MISMATCH, N_("echo differs from "
		    "what was sent at byte %" PRIu64), c->received + 1);
	else
		trip_fail(r, c, BENCH_ERR_MISMATCH, N_("echo differs from "
		    "what was sent at byte %" PRIu64 ": more came back than "
		    "was sent"), c->received + 1);
	return -1;
}

/* The server's FIN on c. */
static void
conn_eof(struct run *r, struct conn *c)
{
	uint64_t want = expected(r, c);

	switch (r->cfg->mode) {
	case BENCH_SESSIONS:
		if (c->half_closed && c->received == c->target) {
			r->res->closes[BENCH_CLOSE_SHUTDOWN]++;
			op_done(r, c);
			conn_close(r, c);
			return;
		}
		break;
	case BENCH_BULK:
		if (c->half_closed && c->received == c->sent) {
			op_done(r, c);
			conn_close(r, c);
			return;
		}
		break;
	case BENCH_RTT:
		if (c->half_closed && !c->in_op) {
			conn_close(r, c);
			return;
		}
		break;
	}
	/* The FIN came early: before all was sent (the server stopped
	 * reading), or before all came back. */
	if (c->sent < c->target && r->cfg->mode != BENCH_BULK)
		trip_fail(r, c, BENCH_ERR_SHORT, N_("server sent FIN after %"
		    PRIu64 " of %" PRIu64 " bytes were sent"), c->sent,
		    c->target);
	else if (!c->half_closed && r->cfg->mode == BENCH_BULK)
		conn_fail(r, c, BENCH_ERR_SHORT, N_("server sent FIN while "
		    "the stream was still sending, after %" PRIu64 " bytes "
		    "came back"), c->received);
	else
		trip_fail(r, c, BENCH_ERR_SHORT, N_("server sent FIN after %"
		    PRIu64 " of %" PRIu64 " bytes came back"), c->received,
		    want);
}

/* Reads once from c and checks what came. */
static void
conn_receive(struct run *r, struct conn *c)
{
	ssize_t n = io_read(c->fd, r->rbuf, READ_SIZE);

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			socket_failed(r, c, "read", errno);
		return;
	}
	if (n == 0) {
		conn_eof(r, c);
		return;
	}
	c->last_progress = monotime_now();
	if (check_echo(r, c, (size_t)n) < 0)
		return;
	if (r->cfg->mode == BENCH_RTT && c->in_op &&
	    c->received == c->target) {
		op_done(r, c);
		c->in_op = 0;
		next_round_trip(r, c);
	}
}

/* c made no progress within the wait. */
static void
conn_expire(struct run *r, struct conn *c)
{
	if (c->state == CONN_CONNECTING) {
		/* TRANSLATORS: connect is the call; the host, the port,
		 * then the -w value as written. */
		conn_fail(r, c, BENCH_ERR_CONNECT, N_("connect %s %s: no "
		    "answer within %s s"), r->cfg->host, r->cfg->port,
		    r->cfg->wait_text);
		return;
	}
	trip_fail(r, c, BENCH_ERR_TIMEOUT, N_("no progress within %s s: "
	    "sent %" PRIu64 " bytes, received %" PRIu64 " bytes"),
	    r->cfg->wait_text, c->sent, c->received);
}

static void
conn_handle(struct run *r, struct conn *c, short revents)
{
	if (c->state == CONN_CONNECTING) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			finish_connect(r, c);
		return;
	}
	/* Reading first: a FIN or RST that has arrived explains a write
	 * that would fail. */
	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		conn_receive(r, c);
		if (c->state != CONN_OPEN)
			return;
	}
	if ((revents & (POLLOUT | POLLERR)) && wants_write(r, c))
		conn_send(r, c, monotime_now());
}

/* --- the run */

/* The deadline has passed, or a signal came: no operation starts any
 * more; bulk streams stop sending and half-close, to read the rest of
 * their echo. */
static void
stop(struct run *r)
{
	unsigned i;

	r->stopping = 1;
	if (r->cfg->mode != BENCH_BULK)
		return;
	for (i = 0; i < r->cfg->concurrency; i++) {
		struct conn *c = &r->conns[i];

		if (c->state == CONN_OPEN && !c->half_closed) {
			c->target = c->sent;
			(void)half_close(r, c);
		}
	}
}

/*
 * Readies pfds for one poll(): starts sessions on idle slots, drops the
 * connections whose wait is over.  Returns the poll timeout, or -2 when
 * nothing is in flight and nothing may start: the run is over.
 */
static int
prepare(struct run *r, double now)
{
	const struct bench_config *cfg = r->cfg;
	unsigned i, open = 0;
	int timeout = -1, t;

	for (i = 0; i < cfg->concurrency; i++) {
		struct conn *c = &r->conns[i];
		struct pollfd *p = &r->pfds[i];

		if (c->state == CONN_IDLE && cfg->mode == BENCH_SESSIONS &&
		    may_start(r))
			conn_start(r, c, now);
		if ((c->state == CONN_CONNECTING || c->state == CONN_OPEN) &&
		    now - c->last_progress >= cfg->wait)
			conn_expire(r, c);
		p->revents = 0;
		if (c->state == CONN_CONNECTING) {
			p->fd = c->fd;
			p->events = POLLOUT;
		} else if (c->state == CONN_OPEN) {
			p->fd = c->fd;
			p->events = POLLIN;
			if (wants_write(r, c))
				p->events |= POLLOUT;
		} else {
			/* A negative descriptor is ignored by poll(). */
			p->fd = -1;
			continue;
		}
		open++;
		t = monotime_ms_until(c->last_progress + cfg->wait, now);
		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	if (open == 0)
		return cfg->mode == BENCH_SESSIONS && may_start(r) ? 0 : -2;
	if (!r->stopping) {
		t = monotime_ms_until(r->deadline, now);
		if (t < timeout)
			timeout = t;
	}
	return timeout < POLL_MAX_MS ? timeout : POLL_MAX_MS;
}

static int
run_loop(struct run *r, char *err, size_t errlen)
{
	const struct bench_config *cfg = r->cfg;
	unsigned i;

	for (;;) {
		double now = monotime_now();
		int timeout, rc;

		if (!r->stopping && (now >= r->deadline ||
		    (cfg->stop != NULL && *cfg->stop)))
			stop(r);
		timeout = prepare(r, now);
		if (timeout == -2)
			return 0;
		rc = poll(r->pfds, (nfds_t)cfg->concurrency, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;	/* perhaps the stop signal */
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < cfg->concurrency && rc > 0; i++) {
			if (r->pfds[i].revents == 0)
				continue;
			rc--;
			conn_handle(r, &r->conns[i], r->pfds[i].revents);
		}
	}
}

/* Makes room for a descriptor per connection, raising the soft limit up
 * to the hard one if need be.  Returns 0, or -1 with a message. */
static int
enough_descriptors(unsigned concurrency, char *err, size_t errlen)
{
	struct rlimit rl;
	/* The standard three and a few for the C library. */
	rlim_t need = (rlim_t)concurrency + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 0;
	}
	snprintf(err, errlen, _("-c %u needs %llu descriptors, and the "
	    "limit is %llu (ulimit -n)"), concurrency, (unsigned long long)need,
	    (unsigned long long)rl.rlim_cur);
	return -1;
}

int
loadgen_run(const struct bench_config *cfg, struct bench_result *res,
    char *err, size_t errlen)
{
	struct run r;
	size_t window = cfg->size > READ_SIZE ? cfg->size : READ_SIZE;
	unsigned i;
	int rc = -1;

	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	r.cfg = cfg;
	r.res = res;
	if (enough_descriptors(cfg->concurrency, err, errlen) < 0)
		return -1;
	r.conns = calloc(cfg->concurrency, sizeof *r.conns);
	r.pfds = calloc(cfg->concurrency, sizeof *r.pfds);
	r.pattern = pattern_new(window);
	r.rbuf = malloc(READ_SIZE);
	if (r.conns == NULL || r.pfds == NULL || r.pattern == NULL ||
	    r.rbuf == NULL) {
		snprintf(err, errlen, "malloc: %s", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < cfg->concurrency; i++) {
		r.conns[i].fd = -1;
		r.conns[i].state = CONN_IDLE;
	}
	r.spread = is_ipv4_loopback(&cfg->server);
	r.start = monotime_now();
	r.deadline = r.start + cfg->duration;
	r.tokens = DETAILS_BURST;
	r.token_time = r.start;
	/* rtt and bulk connect each connection once, here; sessions start
	 * in the loop, as slots come free. */
	if (cfg->mode != BENCH_SESSIONS)
		for (i = 0; i < cfg->concurrency; i++)
			conn_start(&r, &r.conns[i], r.start);
	rc = run_loop(&r, err, errlen);
	res->elapsed = monotime_now() - r.start;
	stats_finish(&r.lat, res);
	if (r.not_shown > 0)
		diag_msg(_("%" PRIu64 " more error details not shown"),
		    r.not_shown);
out:
	if (r.conns != NULL)
		for (i = 0; i < cfg->concurrency; i++)
			if (r.conns[i].fd >= 0)
				io_close_quiet(r.conns[i].fd);
	stats_free(&r.lat);
	free(r.rbuf);
	free(r.pattern);
	free(r.pfds);
	free(r.conns);
	return rc;
}
