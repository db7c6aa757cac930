/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model_threads.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "choreo.h"
#include "conn.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "nls.h"
#include "supervise.h"
#include "trace.h"

/* A server that sits at its limit says so, but not on every connection. */
#define LIMIT_LOG_EVERY 10.0

/* At the loop's end, how long threads that were shut down may take to
 * end before the process's exit ends them. */
#define FINISH_GRACE 1.0

/*
 * A connection's thread needs little stack: the echo loop's 64 KiB
 * buffer (server/echo.c), the trace's measurements (a few KiB of /proc
 * paths and a line of text) and libc's formatting.  256 KiB holds that
 * four times over, where the default (RLIMIT_STACK, 8 MiB here) would
 * reserve 8 MiB of address space per connection: 64 connections would
 * take half a gigabyte of it, and a 32-bit machine would run out near
 * 300.  Only what is touched becomes memory either way.
 */
#define THREAD_STACK ((size_t)256 * 1024)

struct threader;

/* One connection's thread.  Allocated by the main thread before the
 * thread starts and freed after it is joined, so that a thread's pointer
 * to it stays good while the table of pointers grows (SIGHUP). */
struct tslot {
	struct threader *t;
	struct conn c;
	/* Copies: SIGHUP rewrites the settings in place, while threads
	 * started before it serve on with theirs. */
	struct conn_rules rules;
	struct choreo ch;
	pthread_t tid;
	size_t index;		/* in t->slot, for the done pipe */
	int fd_open;		/* under t->lock: c.fd names c's socket */
	int status;		/* conn_serve's, once the thread is done */
};

/* What the thread model adds to the supervisor. */
struct threader {
	struct supervisor *sv;
	struct server_config *cfg;	/* sv->cfg */
	struct conn_rules rules;	/* how new threads serve */
	/* The threads, by index; NULL: free.  Changed by the main thread
	 * alone, under lock, since the guard reads it from every thread. */
	struct tslot **slot;
	size_t cap;
	size_t live;		/* threads started and not joined yet */
	/* A thread's last act is to write its index here: its end wakes
	 * the supervisor's pselect() like a SIGCHLD, without a signal. */
	int done[2];
	pthread_attr_t attr;
	/* Guards every slot's fd_open and the table: the descriptor of a
	 * connection is closed, or shut down, only while its number is
	 * known to name that connection's socket (choreo_guard). */
	pthread_mutex_t lock;
	unsigned long next_conn;
	double limit_logged_at;
	struct choreo_guard guard;
};

/* --- the descriptor's guard (choreo_guard), called from any thread */

/* The slot of connection conn, or NULL; under t->lock. */
static struct tslot *
slot_of(const struct threader *t, unsigned long conn)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != NULL && t->slot[i]->c.id == conn)
			return t->slot[i];
	return NULL;
}

static int
guard_enter(void *ctx, unsigned long conn, int fd)
{
	struct threader *t = ctx;
	const struct tslot *s;

	(void)pthread_mutex_lock(&t->lock);
	s = slot_of(t, conn);
	/* No thread for conn: it has ended, and closed its descriptor. */
	return s != NULL && s->fd_open && s->c.fd == fd ? 0 : -1;
}

static void
guard_leave(void *ctx, unsigned long conn, int fd, int closed)
{
	struct threader *t = ctx;
	struct tslot *s;

	if (closed && (s = slot_of(t, conn)) != NULL && s->c.fd == fd)
		s->fd_open = 0;
	(void)pthread_mutex_unlock(&t->lock);
}

/* --- a connection's thread */

/* Runs in the connection's thread, with every signal blocked (they are
 * the main thread's, which waits for them in pselect()).  It owns the
 * one descriptor of its connection: nobody else closes it, unless a
 * choreography says so (lesson close-does-not-wake). */
static void *
thread_run(void *arg)
{
	struct tslot *s = arg;
	struct threader *t = s->t;
	size_t index = s->index;

	if (trace_active)
		trace_thread_start(s->c.id);
	s->status = conn_serve(&s->c, &s->rules);
	if (trace_active)
		trace_exit(s->c.id, s->status);
	/* sizeof index is far below PIPE_BUF: the write is whole.  Should
	 * the pipe be full, the thread waits here for the main thread to
	 * read, which it does at its next wake-up. */
	if (io_write_all(t->done[1], &index, sizeof index) < 0)
		diag_err(errno, _("connection %lu: write to the done pipe"),
		    s->c.id);
	return NULL;
}

/* --- the main thread */

static size_t
limit(const struct threader *t)
{
	return t->cfg->max_children < t->cap ? t->cfg->max_children : t->cap;
}

static size_t
from_host(const struct threader *t, const struct addr *peer)
{
	size_t i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != NULL && addr_same_host(&t->slot[i]->c.peer,
		    peer))
			n++;
	return n;
}

/* The held copy of conn, if the choreography kept one: the thread has
 * ended and closed the one descriptor, so the number is no longer the
 * connection's.  Dropped without a close. */
static void
held_gone(struct threader *t, unsigned long conn)
{
	struct held_table *ht = &t->sv->held;
	size_t i;

	for (i = 0; i < ht->count; i++)
		if (ht->slot[i].conn == conn) {
			ht->slot[i] = ht->slot[--ht->count];
			return;
		}
}

/* Starts connection c's thread.  Returns 0, or the error of
 * pthread_create (the slot is then free again). */
static int
start_thread(struct threader *t, const struct conn *c)
{
	struct tslot *s;
	sigset_t all, old;
	size_t i;
	int err;

	for (i = 0; i < t->cap && t->slot[i] != NULL; i++)
		;
	if (i == t->cap)
		return EAGAIN;	/* room() said there was: cannot happen */
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ENOMEM;
	s->t = t;
	s->c = *c;
	s->rules = t->rules;
	s->ch = t->cfg->choreo;
	s->rules.choreo = &s->ch;
	s->index = i;
	s->fd_open = 1;
	(void)pthread_mutex_lock(&t->lock);
	t->slot[i] = s;
	(void)pthread_mutex_unlock(&t->lock);
	/* The new thread inherits this mask: every signal blocked, so that
	 * SIGTERM, SIGCHLD or SIGHUP always reach the main thread's
	 * pselect() and never interrupt a connection's read(). */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->tid, &t->attr, thread_run, s);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		(void)pthread_mutex_lock(&t->lock);
		t->slot[i] = NULL;
		(void)pthread_mutex_unlock(&t->lock);
		free(s);
		return err;
	}
	t->live++;
	return 0;
}

/* Accepts one connection from listener i and starts its thread.  Returns
 * 1 if another accept may follow at once, 0 if not. */
static int
accept_one(struct threader *t, int i)
{
	const struct choreo *ch = &t->cfg->choreo;
	struct conn c;
	int err;

	c.fd = supervise_accept(t->sv, i, &c.peer);
	if (c.fd < 0)
		return 0;
	if (t->cfg->per_source > 0 &&
	    from_host(t, &c.peer) >= t->cfg->per_source) {
		conn_refuse_source(&c, t->cfg->per_source,
		    t->cfg->verbosity);
		return 1;
	}
	c.id = t->next_conn++;
	c.accepted = monotime_now();
	if (trace_active)
		trace_accept(c.id, c.fd);
	/* The acceptor keeps no copy: there is only one descriptor, the
	 * thread's.  Only a timed act of the choreography (the lessons
	 * close-does-not-wake and shutdown-wakes) has it act on that
	 * descriptor later, by number, as long as the thread runs. */
	if (ch->parent_close == PCLOSE_AFTER || ch->parent_shutdown_how >= 0)
		(void)choreo_parent_keeps(ch, &t->sv->held, c.id, c.fd, 0,
		    c.accepted);
	err = start_thread(t, &c);
	if (err != 0) {
		char peer[ADDR_TEXT_MAX];

		(void)supervise_back_off(t->sv);
		addr_text((struct sockaddr *)&c.peer.ss, c.peer.len, peer,
		    sizeof peer);
		diag_err(err, _("pthread_create for connection %lu from %s "
		    "(dropped; accepting again in %.1f s)"), c.id, peer,
		    t->sv->backoff);
		if (trace_active) {
			trace_error(c.id, c.fd, "pthread_create", err, NULL);
			trace_join(c.id, -1);	/* forgets the connection */
		}
		held_gone(t, c.id);
		io_close_quiet(c.fd);
		return 0;
	}
	supervise_recovered(t->sv);
	return 1;
}

/* Joins every thread that has said it is done.  The pipe is
 * non-blocking: an empty one ends the round. */
static void
collect(struct threader *t)
{
	size_t index;
	struct tslot *s;
	ssize_t n;

	while ((n = read(t->done[0], &index, sizeof index)) ==
	    (ssize_t)sizeof index) {
		if (index >= t->cap || (s = t->slot[index]) == NULL)
			continue;
		/* It has written its last word: the join waits for its
		 * return at most, and frees its stack. */
		(void)pthread_join(s->tid, NULL);
		if (trace_active)
			trace_join(s->c.id, s->status);
		held_gone(t, s->c.id);
		(void)pthread_mutex_lock(&t->lock);
		t->slot[index] = NULL;
		(void)pthread_mutex_unlock(&t->lock);
		if (s->status != 0 && t->cfg->verbosity > 0)
			diag_msg(_("connection %lu: thread ended in an error"),
			    s->c.id);
		free(s);
		t->live--;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		diag_err(errno, "%s", _("read from the done pipe"));
}

/* --- the supervisor's hooks */

static void
accept_ready(void *m, int i)
{
	struct threader *t = m;

	while (t->live < limit(t) && accept_one(t, i))
		;
}

/* At the limit, waiting clients stay in the backlog until a thread ends
 * and its word on the done pipe wakes the main thread. */
static int
room(void *m, double now)
{
	struct threader *t = m;

	if (t->live < limit(t))
		return 1;
	if (now - t->limit_logged_at >= LIMIT_LOG_EVERY ||
	    t->limit_logged_at == 0) {
		t->limit_logged_at = now;
		if (t->cfg->verbosity >= 0)
			diag_msg(_("--max-children %lu reached: new "
			    "connections wait until one ends"),
			    t->cfg->max_children);
	}
	return 0;
}

static double
prepare(void *m, double now, fd_set *watch, int *maxfd)
{
	struct threader *t = m;

	(void)now;
	FD_SET(t->done[0], watch);
	if (t->done[0] > *maxfd)
		*maxfd = t->done[0];
	return 0;
}

static void
drain_watch(void *m, fd_set *watch, int *maxfd)
{
	(void)prepare(m, 0, watch, maxfd);
}

static void
ready(void *m, const fd_set *isready)
{
	struct threader *t = m;

	if (FD_ISSET(t->done[0], isready))
		collect(t);
}

static size_t
live(void *m)
{
	struct threader *t = m;

	return t->live;
}

/*
 * The drain is over: a thread cannot be killed, as a child can, without
 * taking the process with it.  shutdown(SHUT_RDWR) on its descriptor
 * wakes it instead: its blocked read() returns 0 and its next write
 * fails (docs/LINUX.md, L7 to L10), so it closes and ends.  A thread
 * whose descriptor is closed already (close-does-not-wake) cannot be
 * reached so; the process's exit ends it.
 */
static void
signal_all(void *m, int sig)
{
	struct threader *t = m;
	size_t i;

	(void)sig;
	for (i = 0; i < t->cap; i++) {
		const struct tslot *s = t->slot[i];

		/* The guard (choreo_guard) skips a descriptor closed
		 * already: its number may name another file by now. */
		if (s != NULL)
			(void)choreo_shutdown(s->c.id, s->c.fd, SHUT_RDWR,
			    "the drain is over: shutdown wakes the thread");
	}
}

/* The supervisor's drain closes the held copies next: here they are
 * numbers of descriptors the threads still use, not copies, so they are
 * forgotten instead. */
static void
drain(void *m)
{
	struct threader *t = m;

	t->sv->held.count = 0;
}

/* The acceptor's timed shutdown (lesson shutdown-wakes) must not be
 * followed by a close, as the fork model's parent closes its own copy
 * after it: the descriptor is the thread's.  "exit" (close when the
 * thread is done) is that: by then the thread has closed it. */
static void
map_parent_close(struct choreo *ch)
{
	if (ch->parent_close == PCLOSE_NOW)
		ch->parent_close = PCLOSE_EXIT;
}

/* SIGHUP: new settings for new connections; threads keep theirs. */
static void
reloaded(void *m, int rc)
{
	struct threader *t = m;
	struct tslot **ns;
	size_t want;

	if (rc <= 0)
		return;
	want = t->cfg->max_children;
	if (want > t->cap) {
		(void)pthread_mutex_lock(&t->lock);
		ns = realloc(t->slot, want * sizeof(struct tslot *));
		if (ns != NULL) {
			memset(ns + t->cap, 0, (want - t->cap) *
			    sizeof(struct tslot *));
			t->slot = ns;
			t->cap = want;
		}
		(void)pthread_mutex_unlock(&t->lock);
		if (ns == NULL)
			diag_err(ENOMEM, _("SIGHUP: room for %lu threads "
			    "(keeping %zu)"), want, t->cap);
	}
	t->rules.idle_timeout = t->cfg->idle_timeout;
	t->rules.verbosity = t->cfg->verbosity;
	map_parent_close(&t->cfg->choreo);
}

/* The loop is over: every thread that has ended is joined.  Those still
 * blocked (their descriptor was closed under them, and nothing can wake
 * them) end with the process; they are said. */
static void
finish(void *m)
{
	struct threader *t = m;
	struct pollfd pfd;
	double until = monotime_now() + FINISH_GRACE, left;

	t->sv->held.count = 0;
	collect(t);
	/* A second SIGTERM ends the loop right after the shutdowns: the
	 * threads they woke are given a moment to say they are done. */
	pfd.fd = t->done[0];
	pfd.events = POLLIN;
	while (t->live > 0 && (left = until - monotime_now()) > 0) {
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 &&
		    errno != EINTR)
			break;
		collect(t);
	}
	if (t->live > 0 && t->cfg->verbosity >= 0)
		diag_msg(t->live == 1 ? _("stopping: %zu thread still "
		    "blocked; the process's exit ends it") : _("stopping: %zu "
		    "threads still blocked; the process's exit ends them"),
		    t->live);
}

static const struct supervise_model threads_model = {
	.counts_workers = 0,
	.end_signal = SIGTERM,	/* not sent: signal_all shuts down */
	.end_words = N_("shutdown(SHUT_RDWR) on their sockets"),
	.live = live,
	.signal = signal_all,
	.ended = NULL,
	.drain = drain,
	.reloaded = reloaded,
	.prepare = prepare,
	.room = room,
	.accept = accept_ready,
	.ready = ready,
	.finish = finish,
	.drain_watch = drain_watch,
};

/* No child is ever forked: a SIGCHLD would have nothing to reap. */
static void
no_child(void *m, pid_t pid, int status)
{
	(void)m;
	(void)pid;
	(void)status;
}

static int
setup(struct threader *t, struct server_config *cfg)
{
	size_t stack = THREAD_STACK;
	int err, fl;

	if (pipe(t->done) < 0) {
		diag_err(errno, "%s", _("pipe for the threads' ends"));
		return -1;
	}
	/* Close-on-exec: nothing here execs, but a pipe of the server's has
	 * no business in any program that might.  Non-blocking read: the
	 * main thread reads until it is empty. */
	fl = fcntl(t->done[0], F_GETFL);
	if (fl < 0 || fcntl(t->done[0], F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(t->done[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(t->done[1], F_SETFD, FD_CLOEXEC) < 0) {
		diag_err(errno, "%s", _("fcntl on the threads' done pipe"));
		return -1;
	}
#ifdef PTHREAD_STACK_MIN
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
#endif
	if ((err = pthread_attr_init(&t->attr)) != 0 ||
	    (err = pthread_attr_setstacksize(&t->attr, stack)) != 0) {
		diag_err(err, "pthread_attr_setstacksize %zu", stack);
		return -1;
	}
	if ((err = pthread_mutex_init(&t->lock, NULL)) != 0) {
		diag_err(err, "pthread_mutex_init");
		return -1;
	}
	t->cap = cfg->max_children;
	t->slot = calloc(t->cap, sizeof(struct tslot *));
	if (t->slot == NULL) {
		diag_err(errno, _("allocating a table for %zu threads"),
		    t->cap);
		return -1;
	}
	return 0;
}

int
model_threads_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, const struct reload_cli *cli)
{
	/* Static, not on this stack: threads still blocked when the loop
	 * ends (see finish) use the guard and the pipe until the process
	 * exits, after this function has returned. */
	static struct supervisor sv;
	static struct threader t;
	struct supervise_model model = threads_model;
	int status;

	memset(&t, 0, sizeof t);
	t.sv = &sv;
	t.cfg = cfg;
	t.rules.choreo = &cfg->choreo;
	t.rules.idle_timeout = cfg->idle_timeout;
	t.rules.verbosity = cfg->verbosity;
	t.next_conn = 1;
	t.done[0] = t.done[1] = -1;
	model.ended = no_child;
	if (supervise_init(&sv, cfg, ls, wait_mask, cli) < 0)
		return 1;
	if (setup(&t, cfg) < 0) {
		choreo_held_free(&sv.held);
		return 1;
	}
	map_parent_close(&cfg->choreo);
	t.guard.enter = guard_enter;
	t.guard.leave = guard_leave;
	t.guard.ctx = &t;
	choreo_guard = &t.guard;
	if (trace_active)
		trace_one_table();
	status = supervise_run(&sv, &model, &t);
	/* Threads still blocked may yet close their descriptors through
	 * the guard: it stays, and so do the table and the lock. */
	return status;
}
