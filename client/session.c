/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "session.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echocheck.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"

/*
 * The input is read only while fewer than OUTSTANDING_MAX bytes taken from
 * it have not come back, so the memory kept for the comparison stays
 * bounded whatever the input's size; an echo server drains it.  The
 * buffer is twice that, so that moving the kept bytes to its front is
 * needed only once every few MiB.
 */
#define OUTSTANDING_MAX ((size_t)4 * 1024 * 1024)
#define PENDING_SIZE (2 * OUTSTANDING_MAX)
#define CHUNK ((size_t)64 * 1024)

/*
 * The bytes taken from the input that have not come back yet.  data[start]
 * is the byte at stream offset acked; those up to offset sent are on the
 * wire; the rest, up to data[end] (offset loaded), wait to be written.
 */
struct pending {
	char *data;
	size_t start, end;
	uint64_t acked, sent, loaded;
};

struct session {
	const struct session_config *cfg;
	struct session_result *res;
	int fd;
	struct pending p;
	int unit_open;		/* a unit is partly taken from the input */
	uint64_t unit_end;	/* the stream offset where the last unit taken
				 * ends; it is unsent while above p.sent */
	double gate;		/* the next unit waits until this time */
	int finishing;		/* all input sent; waiting for the EOF */
	double last_progress;	/* when a byte was last read from the
				 * input, sent, or received intact */
	double started;		/* when the connection was made */
	int peer_fin;		/* keep_sending: the server's FIN came
				 * before the input ended */
	int reset;		/* keep_sending: the connection is gone (an
				 * RST): the socket is not polled again, and
				 * the next write fails */
	int reading;		/* the read delay is over (or there is none) */
	char rbuf[CHUNK];
};

/* Marks the session as ended; returns 1 so callers can `return end(...)`. */
static int
end(struct session *s, enum session_end how)
{
	s->res->end = how;
	return 1;
}

static int
fail(struct session *s, const char *call, int on_socket, int err)
{
	s->res->call = call;
	s->res->on_socket = on_socket;
	s->res->err = err;
	return end(s, SESSION_ERROR);
}

/* Hands one event to the caller's report, if there is one. */
static void
report(const struct session *s, enum session_event_kind kind, size_t bytes,
    int err, int by_read)
{
	struct session_event ev;

	if (s->cfg->report == NULL)
		return;
	ev.kind = kind;
	ev.elapsed = monotime_now() - s->started;
	ev.bytes = bytes;
	ev.after_fin = s->peer_fin;
	ev.err = err;
	ev.by_read = by_read;
	s->cfg->report(&ev, s->cfg->report_ctx);
}

/*
 * keep_sending: the server's FIN came while input remains.  The session
 * goes on sending, and stops reading, since every read would now return
 * 0.  What was sent and has not come back never will, and what is sent
 * from now on cannot come back: both are forgotten, so that the wait and
 * the memory bound count only what is still to send, and the echo is
 * judged on what came back before the FIN.  Returns 0 to go on.
 */
static int
peer_fin(struct session *s)
{
	struct pending *p = &s->p;

	s->peer_fin = 1;
	s->res->fin_early = 1;
	s->res->fin_elapsed = monotime_now() - s->started;
	p->start += (size_t)(p->sent - p->acked);
	p->acked = p->sent;
	report(s, SESSION_EV_FIN, 0, 0, 0);
	return 0;
}

/*
 * keep_sending: the connection was reset, as a read said (by_read) or as
 * the socket's pending error says.  That is reported at once; the session
 * then sends on until a write fails, so that the fate of a write into a
 * reset connection is seen too (docs/LINUX.md, L13), or ends when no input
 * remains.  Nothing sent can come back any more: it is forgotten, so that
 * the session waits on its input alone, as it does when pausing.  Returns
 * 0 to go on.
 */
static int
peer_reset(struct session *s, int err, int by_read)
{
	struct pending *p = &s->p;

	s->reset = 1;
	p->start += (size_t)(p->sent - p->acked);
	p->acked = p->sent;
	report(s, SESSION_EV_RESET, 0, err, by_read);
	return 0;
}

/*
 * keep_sending, after the FIN: looks for an RST.  After a FIN an RST
 * leaves EPIPE, not ECONNRESET, as the socket's pending error (L13), and
 * read() returns 0, so the error is taken with SO_ERROR.  hung_up says
 * that poll() reported POLLHUP.  Returns 0 to go on, or 1 if the session
 * ended.
 */
static int
check_socket(struct session *s, int hung_up)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return fail(s, "getsockopt SO_ERROR", 1, errno);
	if (err == EPIPE || err == ECONNRESET)
		return peer_reset(s, err, 0);
	if (err != 0)
		return fail(s, _("socket error"), 1, err);
	/* Hung up with no error: gone all the same; the next write says
	 * how. */
	if (hung_up)
		s->reset = 1;
	return 0;
}

/* Pausing for --interval: the last unit is all sent and the pause after
 * it has not ended yet.  While a unit is unsent the gate is in the past,
 * since the unit was taken only once the gate had passed. */
static int
pausing(const struct session *s, double now)
{
	return s->cfg->interval > 0 && !s->unit_open && now < s->gate;
}

static int
may_take(const struct session *s, double now)
{
	if (s->p.loaded - s->p.acked >= OUTSTANDING_MAX)
		return 0;
	if (s->cfg->interval <= 0 || s->unit_open)
		return 1;
	return s->unit_end <= s->p.sent && !pausing(s, now);
}

/* Something taken from the input is unsent or has not come back: the
 * session waits on the server, and the progress deadline runs. */
static int
awaiting_server(const struct session *s)
{
	return s->p.sent < s->p.loaded || s->p.acked < s->p.sent;
}

/*
 * The session waits on the server while something is unsent or not yet
 * echoed, or, once all input is sent, for its FIN; never while it only
 * pauses for --interval or waits for its own input, unless unexpected
 * bytes came: then the server is talking out of turn, and the client
 * stops reading it at the end of the wait whatever it waits for.  The
 * wait runs from the last progress, so a slow server that keeps moving is
 * never cut off, and one that accepts and then neither reads nor echoes,
 * or sends what it was never sent, cannot stall the client for ever.
 */
static int
deadline_runs(const struct session *s)
{
	return s->cfg->wait > 0 && (s->finishing || awaiting_server(s) ||
	    s->res->unexpected > 0);
}

/* How a session ends when its wait runs out. */
static enum session_end
wait_end(const struct session *s)
{
	if (s->reset)
		return SESSION_RST;
	if (s->res->unexpected > 0)
		return SESSION_STOPPED;
	return awaiting_server(s) ? SESSION_NO_PROGRESS : SESSION_NO_FIN;
}

/* Moves what the input has ready into the pending buffer, as far as the
 * memory bound and the interval allow. */
static void
fill(struct session *s, double now)
{
	struct pending *p = &s->p;

	while (may_take(s, now)) {
		size_t room, n;
		int unit_end;

		if (PENDING_SIZE - p->end < CHUNK && p->start > 0) {
			memmove(p->data, p->data + p->start,
			    p->end - p->start);
			p->end -= p->start;
			p->start = 0;
		}
		room = PENDING_SIZE - p->end;
		n = input_take(s->cfg->input, p->data + p->end,
		    room < CHUNK ? room : CHUNK, &unit_end);
		if (n == 0)
			break;
		p->end += n;
		p->loaded += n;
		s->last_progress = now;
		if (s->cfg->interval > 0) {
			s->unit_open = !unit_end;
			if (unit_end)
				s->unit_end = p->loaded;
		}
	}
}

/*
 * Compares n echoed bytes with what was sent, and forgets what they
 * cover.  Returns how many of them, from the first, stand in the place
 * of a byte sent; the rest came when everything sent had come back: an
 * echo cannot know them, so they differ, and are counted as unexpected.
 * *good is how many came back intact before the echo first differed.
 */
static size_t
compare(struct session *s, const char *buf, size_t n, size_t *good)
{
	struct pending *p = &s->p;
	uint64_t unacked = p->sent - p->acked;
	size_t k = unacked < n ? (size_t)unacked : n;

	*good = 0;
	if (!s->res->differs) {
		/* Only the k bytes in the place of a byte sent can match;
		 * i < n below also marks the ones after them. */
		size_t i = echocheck_prefix(buf, k, p->data + p->start, k);

		*good = i;
		if (i < n) {
			s->res->differs = 1;
			s->res->differs_at = p->acked + i + 1;
		}
	}
	s->res->unexpected += n - k;
	p->start += k;
	p->acked += k;
	return k;
}

/*
 * Checks echoed bytes and passes on to the output those in the place of
 * a byte sent, so that what is written never exceeds what was sent: a
 * server that sends without end cannot fill the user's disk.  Only bytes
 * that come back intact are progress; once the echo differs, or bytes
 * come that were never sent, more of them must not keep the client
 * reading for ever.  Returns 0, or 1 if the session ended.
 */
static int
take_echo(struct session *s, size_t n)
{
	double now = monotime_now();
	int waiting = deadline_runs(s);
	size_t k, good;

	s->res->received += n;
	k = compare(s, s->rbuf, n, &good);
	if (k > 0 && io_write_all(s->cfg->out_fd, s->rbuf, k) < 0)
		return fail(s, _("write standard output"), 0,
		    errno);
	/* Unexpected bytes that come while the client waits on its own
	 * input or pauses start the wait: it runs from now, not from a
	 * progress long past. */
	if (good > 0 || (!waiting && deadline_runs(s)))
		s->last_progress = now;
	return 0;
}

/* Reads once from the socket.  Returns 0, or 1 if the session ended. */
static int
read_echo(struct session *s)
{
	ssize_t n = io_read(s->fd, s->rbuf, sizeof s->rbuf);

	if (n > 0)
		return take_echo(s, (size_t)n);
	if (n == 0) {
		if (s->finishing)
			return end(s, SESSION_FIN);
		return s->cfg->keep_sending ? peer_fin(s) :
		    end(s, SESSION_EARLY_FIN);
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	if (errno == ECONNRESET)
		return s->cfg->keep_sending ? peer_reset(s, ECONNRESET, 1) :
		    end(s, SESSION_RST);
	return fail(s, "read", 1, errno);
}

/*
 * A write failed because the server aborted.  What it echoed before the
 * RST is still queued here and is returned before the error (docs/LINUX.md,
 * L12), so it is read and counted first.
 */
static int
drain_after_reset(struct session *s)
{
	ssize_t n;

	while ((n = io_read(s->fd, s->rbuf, sizeof s->rbuf)) > 0)
		if (take_echo(s, (size_t)n))
			return 1;
	return end(s, SESSION_RST);
}

/* Writes what is pending.  Returns 0, or 1 if the session ended. */
static int
write_pending(struct session *s, double now)
{
	struct pending *p = &s->p;
	size_t off = p->start + (size_t)(p->sent - p->acked);
	ssize_t n;

	/* MSG_NOSIGNAL: a server that has gone away is an ending to
	 * report, not a reason to die of SIGPIPE. */
	n = send(s->fd, p->data + off, p->end - off, MSG_NOSIGNAL);
	if (n < 0) {
		int err = errno;

		if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK)
			return 0;
		if (s->cfg->keep_sending)
			report(s, SESSION_EV_WRITE, p->end - off, err, 0);
		/* EPIPE: the first write into a server that had closed was
		 * answered with RST (docs/LINUX.md, L13). */
		if (err == EPIPE || err == ECONNRESET)
			return drain_after_reset(s);
		return fail(s, "write", 1, err);
	}
	/* The pause starts once the unit's last byte is sent. */
	if (p->sent < s->unit_end && p->sent + (uint64_t)n >= s->unit_end)
		s->gate = now + s->cfg->interval;
	p->sent += (uint64_t)n;
	if (n > 0)
		s->last_progress = now;
	if (s->peer_fin) {
		/* Accepted by the kernel; it cannot come back (peer_fin). */
		report(s, SESSION_EV_WRITE, (size_t)n, 0, 0);
		s->res->after_fin += (uint64_t)n;
		p->start = off + (size_t)n;
		p->acked = p->sent;
	}
	return 0;
}

/* All input is sent: does what --close says.  Returns 0 to go on reading,
 * or 1 if the session ended. */
static int
finish_input(struct session *s)
{
	/* keep_sending: a reset connection has no close to make; after the
	 * server's FIN, an RST that answered the last write is looked for
	 * first, since no read will show it (L13). */
	if (s->reset)
		return end(s, SESSION_RST);
	if (s->peer_fin) {
		if (check_socket(s, 0))
			return 1;
		if (s->reset)
			return end(s, SESSION_RST);
	}
	switch (s->cfg->close_mode) {
	case SESSION_CLOSE_SHUTDOWN:
		if (net_half_close(s->fd) < 0)
			return fail(s, "shutdown", 1, errno);
		break;
	case SESSION_CLOSE_NONE:
		break;
	case SESSION_CLOSE_LINGER0:
		if (net_set_linger_abort(s->fd) < 0)
			return fail(s, "setsockopt SO_LINGER", 1, errno);
		return end(s, SESSION_CLIENT_CLOSED);
	case SESSION_CLOSE_CLOSE:
		/* session_run's close() is the close. */
		return end(s, SESSION_CLIENT_CLOSED);
	}
	/* The server's FIN is here already: nothing more will come. */
	if (s->peer_fin)
		return end(s, SESSION_FIN);
	s->finishing = 1;
	return 0;
}


/* How often a read delay that a signal may end looks at its flag: a
 * signal that comes between the look and poll() does not interrupt that
 * poll(). */
#define RELEASE_POLL_MS 50

/* Whether the session reads now: once the read delay is over, it stays
 * over, and the wait for the server starts afresh then (the server was
 * not slow: the client did not read). */
static int
reading(struct session *s, double now)
{
	const struct session_config *c = s->cfg;

	if (!s->reading && (c->read_delay <= 0 ||
	    now >= s->started + c->read_delay ||
	    (c->read_release != NULL && *c->read_release != 0))) {
		s->reading = 1;
		s->last_progress = now;
	}
	return s->reading;
}

static int
poll_timeout(const struct session *s, double now)
{
	int timeout = -1;

	if (!s->reading) {
		timeout = monotime_ms_until(s->started + s->cfg->read_delay,
		    now);
		if (s->cfg->read_release != NULL && timeout > RELEASE_POLL_MS)
			timeout = RELEASE_POLL_MS;
	} else if (deadline_runs(s))
		timeout = monotime_ms_until(s->last_progress + s->cfg->wait, now);
	if (!s->finishing && pausing(s, now)) {
		int t = monotime_ms_until(s->gate, now);

		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	return timeout;
}

/* One turn of the loop.  Returns 0 to go on, 1 when the session ended. */
static int
step(struct session *s)
{
	struct pollfd pfd[2];
	double now = monotime_now();
	int rc;

	fill(s, now);
	if (!s->finishing && input_done(s->cfg->input) &&
	    s->p.sent == s->p.loaded && finish_input(s))
		return 1;
	if (reading(s, now) && deadline_runs(s) &&
	    now >= s->last_progress + s->cfg->wait)
		return end(s, wait_end(s));
	/* A reset socket is not polled (it would hang up for ever): the
	 * next write is made at once, and fails. */
	if (s->reset && s->p.sent < s->p.loaded)
		return write_pending(s, now);

	/* After the FIN only an error or a hang-up can come: reads would
	 * return 0 for ever, so POLLIN is not asked for. */
	pfd[0].fd = s->reset ? -1 : s->fd;
	pfd[0].events = s->peer_fin ? 0 : POLLIN;
	if (!s->reading) {
		/* Before reading starts only a write is waited for: a
		 * hang-up, which poll() reports unasked, would wake the
		 * loop for ever. */
		pfd[0].events = 0;
		if (s->p.sent == s->p.loaded)
			pfd[0].fd = -1;
	}
	if (s->p.sent < s->p.loaded)
		pfd[0].events |= POLLOUT;
	/* A negative descriptor is ignored by poll(). */
	pfd[1].fd = s->finishing ? -1 : input_poll_fd(s->cfg->input);
	pfd[1].events = POLLIN;
	rc = poll(pfd, 2, poll_timeout(s, now));
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return fail(s, "poll", 0, errno);
	}
	now = monotime_now();
	/* Reading first: a FIN or RST that has arrived explains a write
	 * that would fail. */
	if (!s->reading) {
		/* A reset shows in the next write, or once reading starts. */
	} else if (s->peer_fin) {
		if ((pfd[0].revents & (POLLHUP | POLLERR)) &&
		    check_socket(s, (pfd[0].revents & POLLHUP) != 0))
			return 1;
	} else if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    read_echo(s)) {
		return 1;
	}
	if (((pfd[0].revents & (POLLOUT | POLLERR)) || s->reset) &&
	    s->p.sent < s->p.loaded && write_pending(s, now))
		return 1;
	if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = input_read(s->cfg->input);

		if (n < 0)
			return fail(s, _("read standard input"), 0,
			    errno);
		if (n > 0)
			s->last_progress = now;
	}
	return 0;
}

int
session_run(int fd, const struct session_config *cfg, double started,
    struct session_result *res)
{
	struct session *s;

	memset(res, 0, sizeof *res);
	/* Heap, not stack: the read buffer is large. */
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->p.data = malloc(PENDING_SIZE)) == NULL) {
		free(s);
		io_close_quiet(fd);
		errno = ENOMEM;
		return -1;
	}
	s->cfg = cfg;
	s->res = res;
	s->fd = fd;
	s->started = started;
	s->last_progress = monotime_now();
	if (net_set_nonblock(fd, 1) < 0)
		(void)fail(s, "fcntl O_NONBLOCK", 1, errno);
	else
		while (!step(s))
			;
	res->sent = s->p.sent;
	res->elapsed = monotime_now() - started;
	/* For --close linger0 this close() is what sends the RST. */
	io_close_quiet(fd);
	free(s->p.data);
	free(s);
	return 0;
}
