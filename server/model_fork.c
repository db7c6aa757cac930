/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model_fork.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "choreo.h"
#include "conn.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "nls.h"
#include "signals.h"
#include "step.h"
#include "supervise.h"
#include "trace.h"

/* A server that sits at its limit says so, but not on every connection. */
#define LIMIT_LOG_EVERY 10.0

/* What the fork model adds to the supervisor: a child per connection. */
struct forker {
	struct supervisor *sv;
	const struct server_config *cfg;	/* sv->cfg */
	struct conn_rules rules;	/* how the children serve */
	struct children kids;
	unsigned long next_conn;
	double limit_logged_at;	/* last "--max-children reached" line */
};

/* --- child */

/* Runs in the new child: it owns the accepted socket alone (the parent
 * closes its copy right after fork) and must not hold the listeners, or a
 * stopped server would still have them open through its children.
 * Copies the parent still holds of other connections came along with
 * fork(): they are not this child's, and would keep those sockets alive
 * and their counts high. */
static void
child_run(struct forker *f, const struct conn *c)
{
	int status;

	signals_reset_in_child();
	supervise_forget(f->sv, 0);
	if (trace_active) {
		trace_set_role(TRACE_CHILD, c->id);
		trace_fork_child();
	}
	status = conn_serve(c, &f->rules);
	if (trace_active)
		trace_exit(c->id, status);
	_exit(status);
}

/* --- parent */

/* How many children may run: --max-children, within the table (which a
 * failed growth after SIGHUP may have left smaller). */
static size_t
limit(const struct forker *f)
{
	return f->cfg->max_children < f->kids.cap ?
	    f->cfg->max_children : f->kids.cap;
}

/* Accepts one connection from listener i and forks its child.  Returns 1
 * if another accept may follow at once, 0 if not. */
static int
accept_one(struct forker *f, int i)
{
	struct conn c;
	pid_t pid;

	c.fd = supervise_accept(f->sv, i, &c.peer);
	if (c.fd < 0)
		return 0;
	if (f->cfg->per_source > 0 &&
	    children_from(&f->kids, &c.peer) >= f->cfg->per_source) {
		conn_refuse_source(&c, f->cfg->per_source,
		    f->cfg->verbosity);
		return 1;
	}
	c.id = f->next_conn++;
	c.accepted = monotime_now();
	if (trace_active) {
		trace_accept(c.id, c.fd);
		trace_fork_before(c.id);
	}

	pid = fork();
	if (pid < 0) {
		char peer[ADDR_TEXT_MAX];
		int err = errno;	/* addr_text may change it */

		(void)supervise_back_off(f->sv);
		addr_text((struct sockaddr *)&c.peer.ss, c.peer.len, peer,
		    sizeof peer);
		diag_err(err, _("fork for connection %lu from %s (dropped; "
		    "accepting again in %.1f s)"), c.id, peer,
		    f->sv->backoff);
		if (trace_active) {
			trace_error(c.id, c.fd, "fork", err, NULL);
			trace_fork_failed(c.id);
		}
		io_close_quiet(c.fd);
		return 0;
	}
	if (pid == 0)
		child_run(f, &c);	/* does not return */

	/* Parent: the child has its own copy of the socket now.  The parent
	 * closes its copy at once: held, it would keep the socket alive
	 * after the child closes it, and no FIN would go out
	 * (docs/LINUX.md, L1 to L3).  Only a choreography that says otherwise keeps
	 * it. */
	if (trace_active)
		trace_fork_parent(c.id, c.fd, pid);
	/* With --step the parent's close below waits for the user; the
	 * child need not wait at its gate for it. */
	if (trace_active && step_active())
		trace_gate_open();
	if (!choreo_parent_keeps(&f->cfg->choreo, &f->sv->held, c.id, c.fd,
	    pid, c.accepted))
		choreo_parent_let_go(&f->cfg->choreo, c.id, c.fd);
	if (trace_active)
		trace_gate_open();
	children_add(&f->kids, pid, c.id, c.accepted, &c.peer);
	supervise_recovered(f->sv);
	return 1;
}

/* --- the supervisor's hooks */

static void
accept_ready(void *m, int i)
{
	struct forker *f = m;

	while (f->kids.count < limit(f) && accept_one(f, i))
		;
}

/* At the limit, waiting clients stay in the backlog until a child ends
 * and SIGCHLD wakes the parent. */
static int
room(void *m, double now)
{
	struct forker *f = m;

	if (f->kids.count < limit(f))
		return 1;
	if (now - f->limit_logged_at >= LIMIT_LOG_EVERY ||
	    f->limit_logged_at == 0) {
		f->limit_logged_at = now;
		if (f->cfg->verbosity >= 0)
			diag_msg(_("--max-children %lu reached: new "
			    "connections wait until one ends"),
			    f->cfg->max_children);
	}
	return 0;
}

static void
child_ended(void *m, pid_t pid, int status)
{
	struct forker *f = m;
	struct child gone;
	const struct child *c = &gone;

	if (!children_remove(&f->kids, pid, &gone))
		return;
	if (trace_active)
		trace_reap(c->conn, c->pid, status);
	choreo_held_reaped(&f->cfg->choreo, &f->sv->held, c->pid);

	/* A child killed by the drain's own signal is expected. */
	if (WIFSIGNALED(status) && !(f->sv->killed &&
	    WTERMSIG(status) == f->sv->killed) && f->cfg->verbosity >= 0)
		diag_msg(_("connection %lu: child %ld killed by signal %d"),
		    c->conn, (long)c->pid, WTERMSIG(status));
}

static size_t
live(void *m)
{
	struct forker *f = m;

	return f->kids.count;
}

static void
signal_all(void *m, int sig)
{
	struct forker *f = m;

	children_signal(&f->kids, sig);
}

/* SIGHUP: new settings for new connections; children keep theirs. */
static void
reloaded(void *m, int rc)
{
	struct forker *f = m;

	if (rc <= 0)
		return;
	if (children_grow(&f->kids, f->cfg->max_children) < 0)
		diag_err(errno, _("SIGHUP: room for %lu children (keeping "
		    "%zu)"), f->cfg->max_children, f->kids.cap);
	f->rules.idle_timeout = f->cfg->idle_timeout;
	f->rules.verbosity = f->cfg->verbosity;
}

/* At the drain's end a child gets SIGTERM, whose default action it has
 * back (signals_reset_in_child), and SIGKILL 2 s later. */
static const struct supervise_model fork_model = {
	.counts_workers = 0,
	.end_signal = SIGTERM,
	.live = live,
	.signal = signal_all,
	.ended = child_ended,
	.reloaded = reloaded,
	.room = room,
	.accept = accept_ready,
};

int
model_fork_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, const struct reload_cli *cli)
{
	struct supervisor sv;
	struct forker f;
	int status;

	memset(&f, 0, sizeof f);
	f.sv = &sv;
	f.cfg = cfg;
	f.rules.choreo = &cfg->choreo;
	f.rules.idle_timeout = cfg->idle_timeout;
	f.rules.verbosity = cfg->verbosity;
	f.next_conn = 1;
	if (supervise_init(&sv, cfg, ls, wait_mask, cli) < 0)
		return 1;
	if (children_init(&f.kids, cfg->max_children) < 0) {
		diag_err(errno, _("allocating a table for %lu children"),
		    cfg->max_children);
		choreo_held_free(&sv.held);
		return 1;
	}
	status = supervise_run(&sv, &fork_model, &f);
	children_free(&f.kids);
	return status;
}
