/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "passing.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "choreo.h"
#include "diag.h"
#include "fdpass.h"
#include "io.h"
#include "monotime.h"
#include "nls.h"
#include "passq.h"
#include "step.h"
#include "trace.h"
#include "worker.h"

/* How long the parent waits for a worker to acknowledge a pass when the
 * trace is on. */
#define ACK_WAIT_MS 2000

/* 1 on the plain path: the trace is off, no choreography option is set
 * and no copy is held, so the parent closes its copy of each connection
 * right after the pass and nothing it measures or closes later waits on
 * a worker's word.  Only then does the parent pass a connection before
 * it accepts the next, and learn late that a worker is done; with the
 * trace on, every pass and its handshake keep the order and the timing
 * the trace and the lessons show. */
static int
quick_path(const struct pool *p)
{
	const struct choreo *ch = &p->cfg->choreo;

	return !trace_active && ch->parent_close == PCLOSE_NOW &&
	    ch->parent_shutdown_how < 0 && ch->listener_close_secs < 0 &&
	    !choreo_child_acts(ch) && p->sv->held.count == 0;
}

/* A worker wrote: DONE makes it idle again, LAST idle but about to
 * leave, so that nothing more is passed to it; end of file means it has
 * gone (its SIGCHLD does the rest).  With nowait, a worker that has not
 * written yet is left as it is. */
static void
read_channel(struct pool *p, struct slot *s, int nowait)
{
	struct worker_msg m;
	ssize_t n;
	int fd;

	memset(&m, 0, sizeof m);
	n = nowait ? fdpass_try_recv(s->channel, &m, sizeof m, &fd) :
	    fdpass_recv(s->channel, &m, sizeof m, &fd);
	if (fd >= 0)
		io_close_quiet(fd);
	if (n < 0 && nowait && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		io_close_quiet(s->channel);
		s->channel = -1;
		return;
	}
	if (m.type == WMSG_LAST && m.conn == 0) {
		/* Its last came from the shared queue. */
		s->retiring = 1;
		return;
	}
	if ((m.type == WMSG_DONE || m.type == WMSG_LAST) && s->busy &&
	    m.conn == s->conn) {
		s->busy = 0;
		if (m.type == WMSG_LAST)
			s->retiring = 1;
		choreo_held_served(&p->cfg->choreo, &p->sv->held, m.conn);
	}
}

/* On the quick path the parent does not wait on busy workers' channels
 * while nothing is queued (see passing_watch), so that a worker's DONE
 * does not wake it for nothing.  Those messages are read here, without
 * waiting, when the parent needs to know who is idle. */
static int
channel_busy(struct pool *p, struct slot *s)
{
	if (s->busy && s->done_unread && s->channel >= 0) {
		s->done_unread = 0;
		read_channel(p, s, 1);
	}
	return s->busy;
}

/* Busy with a connection from its channel or from the shared queue. */
static int
still_busy(struct pool *p, struct slot *s)
{
	return channel_busy(p, s) || (p->shared != NULL &&
	    passq_serving(p->shared, s->number));
}

/* The idle worker with the lowest number: while the load is light the
 * same few workers serve, and stay warm in the caches. */
static struct slot *
idle_worker(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 && !still_busy(p, &p->slot[i]) &&
		    p->slot[i].channel >= 0 && !p->slot[i].retiring)
			return &p->slot[i];
	return NULL;
}

/* With the trace on, the pass is measured once the worker says it holds
 * the descriptor of connection conn.  An acknowledgement that comes too
 * late for an earlier pass is skipped.  Returns 0, or -1 if no word came
 * in time. */
static int
await_ack(const struct slot *s, unsigned long conn)
{
	struct pollfd pfd = { s->channel, POLLIN, 0 };
	double until = monotime_now() + ACK_WAIT_MS / 1000.0;
	struct worker_msg m;
	int fd, rc;

	for (;;) {
		double left = until - monotime_now();

		if (left <= 0)
			return -1;
		rc = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		memset(&m, 0, sizeof m);
		if (fdpass_recv(s->channel, &m, sizeof m, &fd) <= 0)
			return -1;
		if (fd >= 0)
			io_close_quiet(fd);
		if (m.type == WMSG_ACK && m.conn == conn)
			return 0;
	}
}

/* Hands the connection w to the worker of s.  Returns 0, or -1 if the
 * worker could not take it (it has gone; SIGCHLD will tell). */
/* With the trace on: the parent has written its events of connection
 * conn, and the worker may go on (it waits for this, as a forked child
 * at its start gate). */
static void
send_go(const struct slot *s, unsigned long conn)
{
	struct worker_msg m;

	memset(&m, 0, sizeof m);
	m.type = WMSG_GO;
	m.conn = conn;
	(void)fdpass_send(s->channel, &m, sizeof m, -1);
}

static int
pass(struct pool *p, struct slot *s, struct waiting *w)
{
	struct worker_msg m;
	int acked, go_first;

	memset(&m, 0, sizeof m);
	m.type = WMSG_PASS;
	m.conn = w->c.id;
	m.accepted = w->c.accepted;
	m.peer = w->c.peer;
	if (trace_active)
		trace_pass_before(w->c.id);
	if (fdpass_send(s->channel, &m, sizeof m, w->c.fd) < 0) {
		diag_err(errno, _("sendmsg to worker %lu (pid %ld)"),
		    s->number, (long)s->pid);
		io_close_quiet(s->channel);
		s->channel = -1;
		return -1;
	}
	s->busy = 1;
	s->done_unread = 0;
	s->conn = w->c.id;
	s->peer = w->c.peer;
	acked = !trace_active || await_ack(s, w->c.id) == 0;
	if (!acked)
		diag_msg(_("worker %lu (pid %ld) did not acknowledge "
		    "connection %lu; its references are not traced"),
		    s->number, (long)s->pid, w->c.id);
	if (trace_active)
		trace_pass(w->c.id, w->c.fd, s->number, s->pid, acked);
	/* With --step the parent's close below waits for the user, and the
	 * worker would give up waiting for its go-ahead after 2 s (and then
	 * find it in the way): it gets it first. */
	go_first = trace_active && step_active();
	if (go_first)
		send_go(s, w->c.id);
	/* By default the parent closes its copy now, so the worker's close
	 * is the last and sends the FIN; the choreography may keep it. */
	if (!choreo_parent_keeps(&p->cfg->choreo, &p->sv->held, w->c.id,
	    w->c.fd, s->pid, w->c.accepted))
		choreo_parent_let_go(&p->cfg->choreo, w->c.id, w->c.fd);
	if (trace_active && !go_first)
		send_go(s, w->c.id);
	return 0;
}

void
passing_dispatch(struct pool *p)
{
	struct slot *s;

	while (p->qlen > 0 && (s = idle_worker(p)) != NULL) {
		if (pass(p, s, &p->queue[0]) < 0)
			continue;	/* the same connection, another worker */
		p->qlen--;
		memmove(&p->queue[0], &p->queue[1],
		    p->qlen * sizeof p->queue[0]);
	}
}

/* Connections from peer's host being served or waiting. */
static unsigned long
served_from(struct pool *p, const struct addr *peer)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 && channel_busy(p, &p->slot[i]) &&
		    addr_same_host(&p->slot[i].peer, peer))
			n++;
	for (i = 0; i < p->qlen; i++)
		if (addr_same_host(&p->queue[i].c.peer, peer))
			n++;
	if (p->shared != NULL)
		n += passq_from_host(p->shared, peer);
	return n;
}

/* Connections accepted and not yet with a worker. */
static size_t
queued(const struct pool *p)
{
	return p->qlen + (p->shared != NULL ? passq_waiting(p->shared) : 0);
}

int
passing_room(const struct pool *p)
{
	return queued(p) < p->qcap;
}

/* On the quick path, with nothing in the parent's own queue (which goes
 * first, to keep the order): into the queue every idle worker reads.
 * Returns 0, or -1 if the connection must wait in the parent's queue
 * instead (the socket's buffer is full, with a very large pool). */
static int
put_shared(struct pool *p, struct conn *c)
{
	if (p->shared == NULL || p->qlen > 0 || !quick_path(p))
		return -1;
	if (passq_put(p->shared, c) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			diag_err(errno, _("sendmsg to the workers' queue, "
			    "connection %lu"), c->id);
		return -1;
	}
	io_close_quiet(c->fd);
	return 0;
}

void
passing_accept(struct pool *p, int i)
{
	while (passing_room(p)) {
		struct waiting *w = &p->queue[p->qlen];

		w->c.fd = supervise_accept(p->sv, i, &w->c.peer);
		if (w->c.fd < 0)
			return;
		supervise_recovered(p->sv);
		if (p->cfg->per_source > 0 &&
		    served_from(p, &w->c.peer) >= p->cfg->per_source) {
			conn_refuse_source(&w->c, p->cfg->per_source,
			    p->cfg->verbosity);
			continue;
		}
		w->c.id = p->next_conn++;
		w->c.accepted = monotime_now();
		if (trace_active)
			trace_accept(w->c.id, w->c.fd);
		if (put_shared(p, &w->c) == 0)
			continue;
		p->qlen++;
		if (quick_path(p)) {
			/* Passed before the next accept(), which is most
			 * often the one that finds nothing: the worker starts
			 * on this client while the parent looks for more. */
			passing_dispatch(p);
		}
	}
}

void
passing_watch(struct pool *p, fd_set *set, int *maxfd)
{
	size_t i;
	int lazy;

	/* A busy worker's DONE matters at once only when a connection
	 * waits for a worker, or when the trace or the choreography acts
	 * on it; otherwise it is read when the next connection comes
	 * (still_busy). */
	lazy = quick_path(p) && p->qlen == 0;
	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slot[i];

		s->done_unread = lazy && s->busy;
		if (s->channel >= 0 && !s->done_unread) {
			FD_SET(s->channel, set);
			if (s->channel > *maxfd)
				*maxfd = s->channel;
		}
	}
	/* A queue full of connections the workers have yet to take: the
	 * worker that brings it down to half wakes the parent, which then
	 * accepts a batch. */
	if (p->shared != NULL && passq_waiting(p->shared) > 0 &&
	    !passing_room(p) && passq_arm(p->shared, p->qcap - p->qlen)) {
		int fd = passq_wake_fd(p->shared);

		FD_SET(fd, set);
		if (fd > *maxfd)
			*maxfd = fd;
	}
}

void
passing_ready(struct pool *p, const fd_set *ready)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].channel >= 0 &&
		    FD_ISSET(p->slot[i].channel, ready))
			read_channel(p, &p->slot[i], 0);
	if (p->shared != NULL && FD_ISSET(passq_wake_fd(p->shared), ready))
		passq_woken(p->shared);
}

void
passing_drop_queue(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->qlen; i++)
		io_close_quiet(p->queue[i].c.fd);
	p->qlen = 0;
}

void
passing_drain(struct pool *p)
{
	passing_drop_queue(p);
	if (p->shared != NULL)
		passq_drop(p->shared);
}
