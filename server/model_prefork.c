/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model_prefork.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "choreo.h"
#include "counter.h"
#include "diag.h"
#include "fdpass.h"
#include "io.h"
#include "monotime.h"
#include "nls.h"
#include "passing.h"
#include "pool.h"
#include "supervise.h"
#include "trace.h"
#include "worker.h"

/* A worker that dies this soon after its start, and whose predecessor in
 * the slot did too, is replaced after a pause that doubles up to
 * RESPAWN_MAX: a worker that cannot start must not become a fork storm. */
#define QUICK_DEATH 1.0
#define RESPAWN_MIN 0.1
#define RESPAWN_MAX 5.0
/* How often the parent looks again whether the queue's count can be
 * mended, after a worker died taking a connection (passq_recount). */
#define RECOUNT_PAUSE 0.1

static int
parent_accepts(const struct pool *p)
{
	return p->cfg->accept_in == ACCEPT_IN_PARENT;
}

static size_t
live_workers(const struct pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0)
			n++;
	return n;
}

static void
signal_workers(const struct pool *p, int sig)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0)
			(void)kill(p->slot[i].pid, sig);
}

/* Closes the parent's ends of the channels and the connections waiting
 * in its queue: in a new worker, where they are not its own, and when
 * the server stops. */
static void
close_copies(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].channel >= 0) {
			io_close_quiet(p->slot[i].channel);
			p->slot[i].channel = -1;
		}
	passing_drop_queue(p);
}

/* --- starting workers */

/* Runs in the new worker: it keeps only its own end of its channel and,
 * if workers accept, the listeners.  Everything else the parent holds
 * came along with fork() and would inflate reference counts and delay
 * FINs (docs/LINUX.md, P7). */
static _Noreturn void
become_worker(struct pool *p, struct slot *s, int channel)
{
	struct worker_setup ws;

	close_copies(p);
	if (p->shared != NULL)
		passq_in_worker(p->shared);
	supervise_forget(p->sv, !parent_accepts(p));
	if (trace_active)
		trace_set_role(TRACE_WORKER, s->number);

	memset(&ws, 0, sizeof ws);
	ws.cfg = p->cfg;
	ws.ls = parent_accepts(p) ? NULL : p->ls;
	ws.channel = channel;
	ws.queue = p->shared;
	ws.number = s->number;
	ws.conn_ids = p->conn_ids;
	ws.wait_mask = p->sv->wait_mask;
	ws.server_started = p->started;
	worker_run(&ws);
}

/* Forks the worker of slot s.  Returns 0, or -1 (logged; the slot is
 * scheduled to try again). */
static int
spawn(struct pool *p, struct slot *s)
{
	int sv[2] = { -1, -1 };
	pid_t pid;

	s->respawn_at = 0;
	/* Every worker gets a channel, even where it accepts itself: end of
	 * file on it tells the worker that the parent has gone, so that no
	 * orphaned pool goes on serving after a kill -9 of the parent. */
	if (fdpass_pair(sv) < 0) {
		diag_err(errno, _("socketpair for worker %lu"), s->number);
		s->respawn_at = monotime_now() + RESPAWN_MAX;
		return -1;
	}
	if (trace_active)
		trace_spawn_before(parent_accepts(p) ? -1 : p->ls->fd[0]);
	pid = fork();
	if (pid < 0) {
		diag_err(errno, _("fork for worker %lu (trying again in %.0f "
		    "s)"), s->number, RESPAWN_MAX);
		if (trace_active)
			trace_spawn_failed();
		io_close_quiet(sv[0]);
		io_close_quiet(sv[1]);
		s->respawn_at = monotime_now() + RESPAWN_MAX;
		return -1;
	}
	if (pid == 0) {
		io_close_quiet(sv[0]);
		become_worker(p, s, sv[1]);
	}
	io_close_quiet(sv[1]);
	s->pid = pid;
	s->channel = sv[0];
	s->busy = 0;
	s->retiring = 0;
	s->conn = 0;
	s->started = monotime_now();
	if (trace_active)
		trace_spawn(parent_accepts(p) ? -1 : p->ls->fd[0], s->number,
		    pid);
	return 0;
}

/* Why a slot is left empty, or NULL if it may be filled again: English,
 * for the trace (lib/nls.h), and marked with N_() for the log line. */
static const char *
no_replacement(const struct pool *p)
{
	if (p->sv->draining)
		return N_("not replaced: the server stops");
	if (p->listener_dead)
		return N_("not replaced: the listening socket is shut down");
	if (!parent_accepts(p) && p->ls->count == 0)
		return N_("not replaced: the parent has closed its listening "
		    "socket");
	return NULL;
}

/* Fills slots whose pause is over. */
static void
respawn_due(struct pool *p, double now)
{
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slot[i];

		if (s->pid == 0 && s->respawn_at > 0 && now >= s->respawn_at) {
			if (no_replacement(p) != NULL)
				s->respawn_at = 0;
			else
				(void)spawn(p, s);
		}
	}
}

/* 1 while some slot has a worker or will have one. */
static int
pool_alive(const struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 || p->slot[i].respawn_at > 0)
			return 1;
	return 0;
}

/* --- reaping */

static struct slot *
slot_of(struct pool *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid == pid)
			return &p->slot[i];
	return NULL;
}

/* Whether a worker's end is logged: always when it was not expected (a
 * crash, a kill), with -v when it was. */
static int
end_logged(const struct pool *p, int expected)
{
	return expected ? p->cfg->verbosity > 0 : p->cfg->verbosity >= 0;
}

/* The log line for a worker's end, if end_logged(); next says what
 * follows, in the user's language. */
static void
log_end(const struct pool *p, const struct slot *s, pid_t pid, int status,
    int expected, const char *next)
{
	char what[96];

	if (!end_logged(p, expected))
		return;
	if (expected) {
		/* TRANSLATORS: the worker's number, its pid, then what
		 * follows ("replaced by pid 123"). */
		diag_msg(_("worker %lu (pid %ld) ended; %s"), s->number,
		    (long)pid, next);
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(what, sizeof what, _("killed by signal %d"),
		    WTERMSIG(status));
	else
		snprintf(what, sizeof what, _("exited with status %d"),
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* TRANSLATORS: the worker's number, its pid, how it ended ("killed
	 * by signal 9"), then what follows. */
	diag_msg(_("worker %lu (pid %ld) %s; %s"), s->number, (long)pid, what,
	    next);
}

/* The worker of s has ended with status: forget it, and fill the slot
 * again, at once or after a pause. */
static void
worker_ended(struct pool *p, struct slot *s, int status)
{
	pid_t pid = s->pid;
	double now = monotime_now(), delay;
	int failed = WIFSIGNALED(status) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) != 0);
	int expected = p->sv->killed != 0 || (WIFEXITED(status) &&
	    (WEXITSTATUS(status) == 0 ||
	    WEXITSTATUS(status) == WORKER_EXIT_LISTENER));
	const char *refused;
	char next[96], told[192];
	int replaced;

	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_LISTENER)
		p->listener_dead = 1;
	s->pid = 0;
	if (s->channel >= 0) {
		io_close_quiet(s->channel);
		s->channel = -1;
	}
	if (s->busy) {
		/* Its connection is over with it: a copy held until the
		 * worker was done goes now. */
		choreo_held_served(&p->cfg->choreo, &p->sv->held, s->conn);
		s->busy = 0;
	}
	if (p->shared != NULL)
		passq_worker_gone(p->shared, s->number);

	if (failed && now - s->started < QUICK_DEATH)
		s->quick_deaths++;
	else
		s->quick_deaths = 0;
	/* next goes to the trace, in English (lib/nls.h); told, the same
	 * in the user's language, to the log, and is made only for a line
	 * that is written. */
	told[0] = '\0';
	refused = no_replacement(p);
	if (refused != NULL) {
		snprintf(next, sizeof next, "%s", refused);
		if (end_logged(p, expected))
			snprintf(told, sizeof told, "%s", _(refused));
	} else if (s->quick_deaths <= 1) {
		/* The reap row first, then the replacement's spawn row. */
		trace_reap_worker(s->number, pid, status, "replacing it now");
		replaced = spawn(p, s) == 0;
		if (end_logged(p, expected) && replaced)
			snprintf(told, sizeof told, _("replaced by pid %ld"),
			    (long)s->pid);
		else if (end_logged(p, expected))
			snprintf(told, sizeof told, "%s",
			    _("not replaced yet"));
		log_end(p, s, pid, status, expected, told);
		return;
	} else {
		unsigned int k;

		/* 0.1 s after the second quick death, doubling after each
		 * further one. */
		delay = RESPAWN_MIN;
		for (k = 2; k < s->quick_deaths && delay < RESPAWN_MAX; k++)
			delay *= 2;
		if (delay > RESPAWN_MAX)
			delay = RESPAWN_MAX;
		s->respawn_at = now + delay;
		snprintf(next, sizeof next, "it died %.2f s after its start; "
		    "replacing it in %.1f s", now - s->started, delay);
		if (end_logged(p, expected))
			snprintf(told, sizeof told, _("it died %.2f s after "
			    "its start; replacing it in %.1f s"),
			    now - s->started, delay);
	}
	trace_reap_worker(s->number, pid, status, next);
	log_end(p, s, pid, status, expected, told);
}

/* --- the listening socket's own choreography */

static void
close_listeners(struct pool *p)
{
	int i;

	p->listener_close_at = 0;
	for (i = 0; i < p->ls->count; i++)
		(void)choreo_close(0, p->ls->fd[i], "the parent closes its "
		    "copy of the listening socket");
	p->ls->count = 0;
}

/* --- the supervisor's hooks */

static void
ended(void *m, pid_t pid, int status)
{
	struct pool *p = m;
	struct slot *s = slot_of(p, pid);

	if (s != NULL)
		worker_ended(p, s, status);
}

static size_t
live(void *m)
{
	return live_workers(m);
}

static void
signal_all(void *m, int sig)
{
	signal_workers(m, sig);
}

/* Idle workers leave at once; busy ones after their connection.  The
 * signal goes first, so that a worker woken by the shutdown below finds
 * it pending and leaves without a word. */
static void
drain(void *m)
{
	struct pool *p = m;
	int i;

	signal_workers(p, SIGTERM);
	/* Where workers accept, the parent's close of the listeners would
	 * not refuse new clients (they hold copies): shutdown() acts on the
	 * socket for every holder (docs/LINUX.md, L11). */
	if (!parent_accepts(p))
		for (i = 0; i < p->ls->count; i++)
			(void)shutdown(p->ls->fd[i], SHUT_RD);
	passing_drain(p);
}

/* SIGHUP: every worker replaced as it finishes, so that new connections
 * get the settings re-read (or, without a file, fresh workers). */
static void
reloaded(void *m, int rc)
{
	struct pool *p = m;
	size_t i;

	(void)rc;
	if (p->cfg->verbosity >= 0)
		diag_msg(live_workers(p) == 1 ? _("SIGHUP: replacing %zu "
		    "worker as they finish") : _("SIGHUP: replacing %zu "
		    "workers as they finish"), live_workers(p));
	/* A worker told to leave leaves at its next wait, with whatever
	 * was passed to it meanwhile: new connections wait in the queue
	 * for the replacements instead. */
	for (i = 0; i < p->nslots; i++)
		p->slot[i].retiring = 1;
	signal_workers(p, SIGHUP);
}

static double
prepare(void *m, double now, fd_set *watch, int *maxfd)
{
	struct pool *p = m;
	double at, recount;
	size_t i;

	if (!pool_alive(p)) {
		/* TRANSLATORS: why: the listening socket is shut down, or
		 * the parent has closed it. */
		diag_msg(_("no worker can accept any more: %s; stopping"),
		    p->listener_dead ? _("the listening socket is shut "
		    "down") : _("the parent has closed its listening "
		    "socket"));
		/* The stop's why is the trace's, in English. */
		supervise_give_up(p->sv, "no worker can accept");
		return 0;
	}
	if (p->listener_close_at > 0 && now >= p->listener_close_at)
		close_listeners(p);
	respawn_due(p, now);
	/* A worker killed while it took a connection from the queue: its
	 * place is counted again once nothing is being taken (passq.c);
	 * until then, looked at every RECOUNT_PAUSE. */
	recount = p->shared != NULL && passq_recount(p->shared) ?
	    now + RECOUNT_PAUSE : 0;
	if (parent_accepts(p))
		passing_dispatch(p);
	passing_watch(p, watch, maxfd);
	at = p->listener_close_at;
	if (recount > 0 && (at == 0 || recount < at))
		at = recount;
	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid == 0 && p->slot[i].respawn_at > 0 &&
		    (at == 0 || p->slot[i].respawn_at < at))
			at = p->slot[i].respawn_at;
	return at;
}

static int
room(void *m, double now)
{
	struct pool *p = m;

	(void)now;
	return parent_accepts(p) && passing_room(p);
}

static void
accept_ready(void *m, int i)
{
	passing_accept(m, i);
}

static void
ready(void *m, const fd_set *set)
{
	passing_ready(m, set);
}

/* Leaving with workers alive (a failure, a second SIGTERM, or SIGKILL
 * not yet reaped): they must not outlive the server. */
static void
finish(void *m)
{
	struct pool *p = m;

	if (live_workers(p) > 0) {
		signal_workers(p, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
}

/* At the drain's start every worker had SIGTERM, which it takes as "leave
 * after this connection": those still busy when the drain time is over
 * get SIGKILL. */
static const struct supervise_model prefork_model = {
	.counts_workers = 1,
	.end_signal = SIGKILL,
	.live = live,
	.signal = signal_all,
	.ended = ended,
	.drain = drain,
	.reloaded = reloaded,
	.prepare = prepare,
	.room = room,
	.accept = accept_ready,
	.ready = ready,
	.finish = finish,
};

/* --- setting up and tearing down */

static int
setup(struct pool *p, struct supervisor *sv, double started)
{
	const struct server_config *cfg = sv->cfg;
	char err[256];
	size_t i;

	memset(p, 0, sizeof *p);
	p->sv = sv;
	p->cfg = cfg;
	p->ls = sv->ls;
	p->started = started;
	p->next_conn = 1;
	p->nslots = cfg->workers;
	p->qcap = cfg->workers;
	p->slot = calloc(p->nslots, sizeof *p->slot);
	p->queue = calloc(p->qcap, sizeof *p->queue);
	if (p->slot == NULL || p->queue == NULL) {
		diag_err(errno, _("allocating a pool of %lu workers"),
		    cfg->workers);
		return -1;
	}
	for (i = 0; i < p->nslots; i++) {
		p->slot[i].number = i + 1;
		p->slot[i].channel = -1;
	}
	if (!parent_accepts(p)) {
		p->conn_ids = counter_create(err, sizeof err);
		if (p->conn_ids == NULL) {
			diag_msg("%s", err);
			return -1;
		}
	} else if (!trace_active) {
		/* The trace's handshakes need each worker's own channel;
		 * the choreography may be turned on by a reload, and then
		 * uses the channels while this queue empties. */
		p->shared = passq_create(p->nslots, p->qcap, err, sizeof err);
		if (p->shared == NULL) {
			diag_msg("%s", err);
			return -1;
		}
	}
	if (cfg->choreo.listener_close_secs >= 0)
		p->listener_close_at = started + cfg->choreo.listener_close_secs;
	return 0;
}

static void
teardown(struct pool *p)
{
	if (p->slot != NULL)
		close_copies(p);
	counter_destroy(p->conn_ids);
	passq_destroy(p->shared);
	free(p->queue);
	free(p->slot);
}

int
model_prefork_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, double started, const struct reload_cli *cli)
{
	struct supervisor sv;
	struct pool p;
	size_t i;
	int status;

	memset(&p, 0, sizeof p);
	if (supervise_init(&sv, cfg, ls, wait_mask, cli) < 0)
		return 1;
	if (setup(&p, &sv, started) < 0) {
		teardown(&p);
		choreo_held_free(&sv.held);
		return 1;
	}
	for (i = 0; i < p.nslots; i++)
		(void)spawn(&p, &p.slot[i]);
	status = supervise_run(&sv, &prefork_model, &p);
	teardown(&p);
	return status;
}
