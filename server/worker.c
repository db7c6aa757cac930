/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "diag.h"
#include "fdpass.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "signals.h"
#include "trace.h"

/* After accept() fails for lack of a resource, a worker waits this long
 * before it tries again, instead of spinning. */
#define ACCEPT_PAUSE 0.5

/* What an epoll event names, besides a listener's index. */
#define AT_CHANNEL ((uint32_t)-1)
#define AT_QUEUE ((uint32_t)-2)

/* How long a traced worker waits for the parent's go-ahead. */
#define GO_WAIT_MS 2000

/* How long a worker keeps its copy of a listening socket that
 * --worker-shutdown-listener shut down, once its accept() has failed:
 * while it does, clients are refused although processes still hold the
 * socket, which the prefork-listener lesson is there to show. */
#define SHUT_LISTENER_HOLD 2.0

struct worker {
	const struct worker_setup *ws;
	unsigned long served;
	double resume_at;		/* after an accept failure, or 0 */
	double shutdown_at;		/* --worker-shutdown-listener, or 0 */
	int epfd;	/* epoll on the channel and the listeners, or -1 */
};

static _Noreturn void
leave(struct worker *w, int status, const char *why)
{
	trace_worker_exit(status, why);
	if (w->ws->ls != NULL)
		listeners_close(w->ws->ls);
	io_close_quiet(w->ws->channel);
	if (w->epfd >= 0)
		io_close_quiet(w->epfd);
	_exit(status);
}

/* 1 once the worker has served its --max-requests-per-worker. */
static int
retiring(const struct worker *w)
{
	return w->ws->cfg->max_requests > 0 &&
	    w->served >= w->ws->cfg->max_requests;
}

/* Reasons to leave before waiting for the next connection.  The
 * reasons to leave are the trace's, in English (lib/nls.h). */
static void
check_leave(struct worker *w)
{
	char why[96];

	if (signals_stop || signals_reload)
		leave(w, 0, signals_stop ? "told to stop (SIGTERM)" :
		    "told to make way for a new worker (SIGHUP)");
	if (retiring(w)) {
		snprintf(why, sizeof why, "served %lu connections "
		    "(--max-requests-per-worker)", w->served);
		leave(w, 0, why);
	}
}

static void
serve(struct worker *w, struct conn *c)
{
	struct conn_rules r = { &w->ws->cfg->choreo,
	    w->ws->cfg->idle_timeout, w->ws->cfg->verbosity };

	(void)conn_serve(c, &r);
	w->served++;
}

/*
 * Workers that accept wait in epoll with EPOLLEXCLUSIVE on the listeners
 * (Linux 4.5), and workers that receive on the shared queue: a new
 * connection then wakes one idle worker, not all of them to race for one
 * accept() (the thundering herd, which on two CPUs cost the pool a third
 * of its rate at 8 clients; docs/PERFORMANCE.md).
 * Returns -1 where epoll cannot be had, and pselect() serves instead.
 */
static int
epoll_setup(const struct worker *w)
{
	struct epoll_event ev;
	int epfd, i;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u32 = AT_CHANNEL;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->ws->channel, &ev) < 0)
		goto fail;
	/* The shared queue the same way: one message, one worker. */
	if (w->ws->queue != NULL) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = AT_QUEUE;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, passq_fd(w->ws->queue),
		    &ev) < 0)
			goto fail;
	}
	for (i = 0; w->ws->ls != NULL && i < w->ws->ls->count; i++) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->ws->ls->fd[i], &ev) < 0)
			goto fail;
	}
	return epfd;
fail:
	io_close_quiet(epfd);
	return -1;
}

/* The same as pselect() over the channel, the queue and the listeners,
 * through the worker's epoll: ready receives what is readable. */
static int
epoll_wait_for(const struct worker *w, fd_set *ready, double until)
{
	struct epoll_event ev[8];
	int n, i, timeout;

	FD_ZERO(ready);
	timeout = until > 0 ? monotime_ms_until(until, monotime_now()) : -1;
	n = epoll_pwait(w->epfd, ev, (int)(sizeof ev / sizeof ev[0]), timeout,
	    w->ws->wait_mask);
	for (i = 0; i < n; i++) {
		uint32_t at = ev[i].data.u32;

		if (at == AT_CHANNEL)
			FD_SET(w->ws->channel, ready);
		else if (at == AT_QUEUE)
			FD_SET(passq_fd(w->ws->queue), ready);
		else if (w->ws->ls != NULL && (int)at < w->ws->ls->count)
			FD_SET(w->ws->ls->fd[at], ready);
	}
	return n;
}

/* Waits in pselect() for the channel (and the shared queue, and, with
 * listeners, every listener) until something is readable, a signal
 * comes, or until.  Returns pselect's result; ready receives the set. */
static int
wait_for(const struct worker *w, int listeners, fd_set *ready, double until)
{
	struct timespec ts;
	int maxfd = -1, i;

	/* After an accept failure the listeners are left out for a while:
	 * that takes pselect, as EPOLLEXCLUSIVE cannot be changed.  A
	 * worker that receives has no listeners in its epoll. */
	if (w->epfd >= 0 && (w->ws->ls == NULL ||
	    (listeners && w->resume_at == 0)))
		return epoll_wait_for(w, ready, until);
	FD_ZERO(ready);
	/* The channel always: end of file on it means the parent is gone. */
	FD_SET(w->ws->channel, ready);
	maxfd = w->ws->channel;
	if (w->ws->queue != NULL) {
		FD_SET(passq_fd(w->ws->queue), ready);
		if (passq_fd(w->ws->queue) > maxfd)
			maxfd = passq_fd(w->ws->queue);
	}
	if (listeners && w->resume_at == 0)
		for (i = 0; i < w->ws->ls->count; i++) {
			FD_SET(w->ws->ls->fd[i], ready);
			if (w->ws->ls->fd[i] > maxfd)
				maxfd = w->ws->ls->fd[i];
		}
	return pselect(maxfd + 1, ready, NULL, NULL, monotime_until(until, &ts),
	    w->ws->wait_mask);
}

/* --- workers accept */

/* The lesson prefork-listener: worker 1 shuts its copy of the listening
 * socket down, which every other holder feels at once. */
static void
shutdown_listener(struct worker *w)
{
	const struct choreo *ch = &w->ws->cfg->choreo;
	int i;

	w->shutdown_at = 0;
	for (i = 0; i < w->ws->ls->count; i++)
		if (choreo_shutdown(0, w->ws->ls->fd[i],
		    ch->listener_shutdown_how, "worker 1 shuts down its copy "
		    "of the listening socket") < 0)
			/* TRANSLATORS: shutdown is the call that failed;
			 * then the listening address. */
			diag_err(errno, _("shutdown %s"), w->ws->ls->where[i]);
}

/* The listener was shut down by --worker-shutdown-listener: holds it
 * SHUT_LISTENER_HOLD seconds (SIGTERM or the parent's end cut that
 * short), then leaves. */
static _Noreturn void
hold_shut_listener(struct worker *w)
{
	double until = monotime_now() + SHUT_LISTENER_HOLD;
	fd_set ready;
	char why[96];

	while (monotime_now() < until) {
		if (signals_stop)
			leave(w, 0, "told to stop (SIGTERM)");
		if (wait_for(w, 0, &ready, until) > 0 &&
		    FD_ISSET(w->ws->channel, &ready))
			leave(w, 0, "the parent has gone");
	}
	snprintf(why, sizeof why, "the listening socket is shut down: "
	    "nothing left to accept (held it %.0f s)", SHUT_LISTENER_HOLD);
	leave(w, WORKER_EXIT_LISTENER, why);
}

/* 1 if SIGTERM or SIGHUP waits, blocked, to be let in. */
static int
stop_pending(void)
{
	sigset_t set;

	if (sigpending(&set) < 0)
		return 0;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGHUP) == 1;
}

/* Tries one accept on listener i.  Returns when the connection (if any)
 * is served. */
static void
accept_on(struct worker *w, int i)
{
	const struct worker_setup *ws = w->ws;
	struct conn c;

	c.peer.len = sizeof c.peer.ss;
	c.fd = accept(ws->ls->fd[i], (struct sockaddr *)&c.peer.ss,
	    &c.peer.len);
	if (c.fd < 0) {
		switch (net_accept_miss(errno)) {
		case NET_ACCEPT_NONE:
		case NET_ACCEPT_GONE:
			/* Several workers wake for one connection; the
			 * others find nothing.  Not an error. */
			return;
		case NET_ACCEPT_SHUT:
			/* Shut down (docs/LINUX.md, L11): it will never accept again.
			 * At a drain the parent does that itself, after its
			 * SIGTERM, which is then pending here. */
			if (stop_pending())
				leave(w, 0, "told to stop (SIGTERM)");
			if (trace_active)
				trace_error(0, ws->ls->fd[i], "accept",
				    EINVAL, NULL);
			diag_err(EINVAL, _("worker %lu: accept %s (the "
			    "listening socket is shut down)"), ws->number,
			    ws->ls->where[i]);
			if (ws->cfg->choreo.listener_shutdown_how >= 0)
				hold_shut_listener(w);
			leave(w, WORKER_EXIT_LISTENER, "the listening socket "
			    "is shut down: nothing left to accept");
		case NET_ACCEPT_SCARCE:
		default:
			diag_err(errno, _("worker %lu: accept %s (trying "
			    "again in %.1f s)"), ws->number, ws->ls->where[i],
			    ACCEPT_PAUSE);
			w->resume_at = monotime_now() + ACCEPT_PAUSE;
			return;
		}
	}
	c.id = counter_next(ws->conn_ids);
	c.accepted = monotime_now();
	if (trace_active)
		trace_accept(c.id, c.fd);
	serve(w, &c);
}

/* Where workers accept, the parent never writes to the channel: it is
 * readable only at end of file, when the parent has gone. */
static _Noreturn void
parent_gone(struct worker *w)
{
	leave(w, 0, "the parent has gone");
}

static _Noreturn void
run_accepting(struct worker *w)
{
	const struct choreo *ch = &w->ws->cfg->choreo;
	fd_set ready;
	int i;

	if (w->ws->number == 1 && ch->listener_shutdown_how >= 0)
		w->shutdown_at = w->ws->server_started +
		    ch->listener_shutdown_secs;
	w->epfd = epoll_setup(w);
	for (;;) {
		double now, until;

		check_leave(w);
		now = monotime_now();
		if (w->shutdown_at > 0 && now >= w->shutdown_at) {
			shutdown_listener(w);
			/* Its step (--step) may have let a signal in. */
			continue;
		}
		if (w->resume_at > 0 && now >= w->resume_at)
			w->resume_at = 0;
		until = w->resume_at;
		if (w->shutdown_at > 0 && (until == 0 || w->shutdown_at < until))
			until = w->shutdown_at;
		if (wait_for(w, 1, &ready, until) <= 0)
			continue;	/* a signal, or a deadline */
		if (FD_ISSET(w->ws->channel, &ready))
			parent_gone(w);
		for (i = 0; i < w->ws->ls->count; i++)
			if (FD_ISSET(w->ws->ls->fd[i], &ready)) {
				accept_on(w, i);
				break;	/* look at the flags again first */
			}
	}
}

/* --- the parent accepts */

static int
send_msg(const struct worker *w, unsigned int type, unsigned long conn)
{
	struct worker_msg m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.conn = conn;
	return fdpass_send(w->ws->channel, &m, sizeof m, -1);
}

/* With the trace on, the parent measures the pass only once the worker
 * holds the descriptor (docs/LINUX.md, L15: in flight it is in no table), then
 * writes its own events; the worker waits for that, like a forked child
 * at its start gate. */
static void
traced_handshake(const struct worker *w, unsigned long conn)
{
	struct pollfd p = { w->ws->channel, POLLIN, 0 };
	struct worker_msg m;
	unsigned long number = w->ws->number;
	ssize_t n;
	int fd;

	if (send_msg(w, WMSG_ACK, conn) < 0) {
		/* TRANSLATORS: ACK and GO are the names of the messages
		 * between the parent and its workers. */
		diag_err(errno, _("worker %lu: sending the parent ACK for "
		    "connection %lu"), number, conn);
		return;
	}
	while (poll(&p, 1, GO_WAIT_MS) < 0)
		if (errno != EINTR) {
			diag_err(errno, _("worker %lu: poll for the parent's "
			    "GO"), number);
			return;
		}
	if ((p.revents & (POLLIN | POLLHUP)) == 0)
		return;	/* no word: go on untraced rather than hang */
	n = fdpass_recv(w->ws->channel, &m, sizeof m, &fd);
	if (fd >= 0)
		io_close_quiet(fd);
	/* Anything but GO is said: served all the same, the connection
	 * is the client's, whatever the parent meant. */
	if (n < 0)
		diag_err(errno, _("worker %lu: recvmsg, waiting for GO"),
		    number);
	else if (n == 0)
		diag_msg(_("worker %lu: the parent has gone, waiting for GO "
		    "for connection %lu"), number, conn);
	else if ((size_t)n != sizeof m || m.type != WMSG_GO || m.conn != conn)
		diag_msg(_("worker %lu: unexpected message from the parent "
		    "instead of GO for connection %lu (type %u, %zd bytes)"),
		    number, conn, m.type, n);
}

/* Serves a connection the parent passed on the worker's own channel,
 * then says DONE (or LAST). */
static void
take_passed(struct worker *w)
{
	const struct worker_setup *ws = w->ws;
	struct worker_msg m;
	struct conn c;
	ssize_t n;

	memset(&m, 0, sizeof m);
	n = fdpass_recv(ws->channel, &m, sizeof m, &c.fd);
	if (n == 0)
		leave(w, 0, "the parent has gone");
	if (n < 0) {
		diag_err(errno, _("worker %lu: recvmsg"), ws->number);
		leave(w, 1, "cannot read from the parent");
	}
	if ((size_t)n != sizeof m || m.type != WMSG_PASS || c.fd < 0) {
		if (c.fd >= 0)
			io_close_quiet(c.fd);
		diag_msg(_("worker %lu: unexpected message from the "
		    "parent (type %u, %zd bytes)"), ws->number, m.type, n);
		return;
	}
	c.id = m.conn;
	c.accepted = m.accepted;
	/* The parent's accept() gave the address: asking the socket again
	 * would be one more call before the first read. */
	c.peer = m.peer;
	if (c.peer.len > sizeof c.peer.ss)
		c.peer.len = 0;
	if (trace_active) {
		trace_adopt(c.id, c.fd);
		traced_handshake(w, c.id);
	}
	serve(w, &c);
	/* A worker about to retire says so with its last DONE: a connection
	 * passed to it now would be lost with it. */
	if (send_msg(w, retiring(w) ? WMSG_LAST : WMSG_DONE, c.id) < 0)
		leave(w, 0, "the parent has gone");
}

/* Takes the next connection from the shared queue, if one waits, and
 * serves it.  Returns 1 if it took one (or a message to drop), 0 if the
 * queue is empty. */
static int
take_queued(struct worker *w)
{
	const struct worker_setup *ws = w->ws;
	struct passq_item it;
	struct conn c;
	int rc;

	/* Read in shared memory, without a call: nothing waits, so the
	 * worker goes straight to its wait instead of a recvmsg that finds
	 * nothing (a connection sent meanwhile wakes that wait). */
	if (passq_waiting(ws->queue) == 0)
		return 0;
	rc = passq_take(ws->queue, ws->number, &it, &c.fd);
	if (rc == 0)
		leave(w, 0, "the parent has gone");
	if (rc < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EBADMSG) {
			diag_msg(_("worker %lu: unexpected message in the "
			    "workers' queue"), ws->number);
			return 1;
		}
		if (errno == EMSGSIZE) {
			/* Out of descriptors, most likely: this connection
			 * is lost, and the worker serves the next. */
			diag_err(errno, _("worker %lu: recvmsg on the "
			    "workers' queue: connection %lu came without its "
			    "socket"), ws->number, it.conn);
			return 1;
		}
		diag_err(errno, _("worker %lu: recvmsg on the workers' "
		    "queue"), ws->number);
		leave(w, 1, "cannot read from the parent");
	}
	c.id = it.conn;
	c.accepted = it.accepted;
	c.peer = it.peer;
	if (c.peer.len > sizeof c.peer.ss)
		c.peer.len = 0;
	serve(w, &c);
	passq_done(ws->queue, ws->number, &it);
	/* The parent passes on the channel only after a reload has turned
	 * the choreography on; it must then know this worker is leaving. */
	if (retiring(w) && send_msg(w, WMSG_LAST, 0) < 0)
		leave(w, 0, "the parent has gone");
	return 1;
}

static _Noreturn void
run_receiving(struct worker *w)
{
	const struct worker_setup *ws = w->ws;
	fd_set ready;

	if (ws->queue != NULL)
		w->epfd = epoll_setup(w);
	for (;;) {
		check_leave(w);
		/* Under load the queue is seldom empty: the next
		 * connection is taken without a wait. */
		if (ws->queue != NULL && take_queued(w))
			continue;
		if (wait_for(w, 0, &ready, 0) <= 0)
			continue;
		if (FD_ISSET(ws->channel, &ready))
			take_passed(w);
	}
}

void
worker_run(const struct worker_setup *ws)
{
	struct worker w;

	memset(&w, 0, sizeof w);
	w.ws = ws;
	w.epfd = -1;
	signals_enter_worker();
	if (ws->ls == NULL)
		run_receiving(&w);
	run_accepting(&w);
}
