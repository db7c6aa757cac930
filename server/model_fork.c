#include "model_fork.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "choreo.h"
#include "conn.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "signals.h"
#include "trace.h"

/* After accept() or fork() fails for lack of a resource, the parent stops
 * accepting for a while instead of spinning: from 0.1 s, doubling to 1 s
 * while the failures go on. */
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 1.0

/* After the drain, children get SIGTERM, then this long before SIGKILL. */
#define KILL_GRACE 2.0

/* Copies of accepted sockets the parent may hold at once (--parent-close
 * never piles them up on purpose); past it the oldest is let go. */
#define HELD_MAX 256

/* A server that sits at its limit says so, but not on every connection. */
#define LIMIT_LOG_EVERY 10.0

struct server {
	const struct server_config *cfg;
	struct server_config *settings;	/* the same, for SIGHUP */
	const struct reload_cli *cli;
	struct conn_rules rules;	/* how the children serve */
	struct listeners *ls;
	struct children kids;
	struct held_table held;	/* copies the parent keeps (choreography) */
	unsigned long next_conn;
	double backoff;		/* current pause after a failure, or 0 */
	double resume_at;	/* accept again at this time */
	double limit_logged_at;	/* last "--max-children reached" line */
	int draining;
	double drain_deadline;
	int killed;		/* 0, SIGTERM or SIGKILL sent at drain end */
};

/* --- child */

/* Runs in the new child: it owns the accepted socket alone (the parent
 * closes its copy right after fork) and must not hold the listeners, or a
 * stopped server would still have them open through its children. */
static void
child_run(struct server *srv, const struct conn *c, struct trace_conn *tc)
{
	int status;

	signals_reset_in_child();
	listeners_close(srv->ls);
	/* Copies the parent still holds of other connections came along
	 * with fork(): they are not this child's, and would keep those
	 * sockets alive and their counts high. */
	choreo_held_forget(&srv->held);
	trace_set_role(TRACE_CHILD, c->id);
	trace_fork_child(tc);
	trace_gate_wait(tc);
	status = conn_serve(c, &srv->rules, tc);
	trace_exit(tc, status);
	_exit(status);
}

/* --- parent */

/* How many children may run: --max-children, within the table (which a
 * failed growth after SIGHUP may have left smaller). */
static size_t
room(const struct server *srv)
{
	return srv->cfg->max_children < srv->kids.cap ?
	    srv->cfg->max_children : srv->kids.cap;
}

static void
pause_accepting(struct server *srv)
{
	srv->backoff = srv->backoff == 0 ? BACKOFF_MIN :
	    srv->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : srv->backoff * 2;
	srv->resume_at = monotime_now() + srv->backoff;
}

static void
child_ended(const struct child *c, int status, void *arg)
{
	struct server *srv = arg;

	trace_reap(c->conn, c->pid, status);
	choreo_held_reaped(&srv->cfg->choreo, &srv->held, c->pid);

	/* A child killed by the drain's own signal is expected. */
	if (WIFSIGNALED(status) && !(srv->killed &&
	    WTERMSIG(status) == srv->killed) && srv->cfg->verbosity >= 0)
		diag_msg("connection %lu: child %ld killed by signal %d",
		    c->conn, (long)c->pid, WTERMSIG(status));
}


/* Accepts one connection from listener i and forks its child.  Returns 1
 * if another accept may follow at once, 0 if not. */
static int
accept_one(struct server *srv, int i)
{
	struct trace_conn tc;
	struct conn c;
	pid_t pid;

	c.peer.len = sizeof c.peer.ss;
	c.fd = accept(srv->ls->fd[i], (struct sockaddr *)&c.peer.ss,
	    &c.peer.len);
	if (c.fd < 0) {
		switch (net_accept_miss(errno)) {
		case NET_ACCEPT_NONE:
			return 0;
		case NET_ACCEPT_GONE:
			/* Not ours to report, and the next may be waiting. */
			return 1;
		case NET_ACCEPT_SHUT:
		case NET_ACCEPT_SCARCE:
		default:
			pause_accepting(srv);
			diag_err(errno, "accept %s (accepting again in %.1f s)",
			    srv->ls->where[i], srv->backoff);
			return 0;
		}
	}
	if (srv->cfg->per_source > 0 &&
	    children_from(&srv->kids, &c.peer) >= srv->cfg->per_source) {
		conn_refuse_source(&c, srv->cfg->per_source,
		    srv->cfg->verbosity);
		return 1;
	}
	c.id = srv->next_conn++;
	c.accepted = monotime_now();
	trace_accept(&tc, c.id, c.fd);
	trace_fork_before(&tc);

	pid = fork();
	if (pid < 0) {
		char peer[ADDR_TEXT_MAX];
		int err = errno;	/* addr_text may change it */

		pause_accepting(srv);
		addr_text((struct sockaddr *)&c.peer.ss, c.peer.len, peer,
		    sizeof peer);
		diag_err(err, "fork for connection %lu from %s (dropped; "
		    "accepting again in %.1f s)", c.id, peer, srv->backoff);
		trace_error(&tc, "fork", err);
		trace_fork_failed(&tc);
		io_close_quiet(c.fd);
		return 0;
	}
	if (pid == 0)
		child_run(srv, &c, &tc);	/* does not return */

	trace_fork_parent(&tc, pid);
	/* By default the parent closes its copy now: held, it would keep the
	 * socket alive after the child closes it, and no FIN would go out
	 * (docs/LINUX.md, L1 to L3).  The choreography may say otherwise. */
	choreo_parent_after_fork(&srv->cfg->choreo, &srv->held, &tc, pid,
	    c.accepted);
	trace_gate_open(&tc);
	children_add(&srv->kids, pid, c.id, c.accepted, &c.peer);
	srv->backoff = 0;
	return 1;
}

static void
accept_ready(struct server *srv, const fd_set *ready)
{
	int i;

	for (i = 0; i < srv->ls->count; i++) {
		if (!FD_ISSET(srv->ls->fd[i], ready))
			continue;
		while (srv->kids.count < room(srv) &&
		    accept_one(srv, i))
			;
	}
}

static void
start_drain(struct server *srv)
{
	srv->draining = 1;
	srv->drain_deadline = monotime_now() + srv->cfg->drain_timeout;
	/* New clients are refused from here on, not left in a backlog that
	 * nobody will accept from; held copies are let go, so that every
	 * connection whose child is done gets its FIN. */
	listeners_close(srv->ls);
	choreo_held_release(&srv->held);
	if (srv->kids.count > 0 && srv->cfg->verbosity >= 0)
		diag_msg("stopping: waiting up to %.1f s for %zu connection%s",
		    srv->cfg->drain_timeout, srv->kids.count,
		    srv->kids.count == 1 ? "" : "s");
}

/* Ends the children that outlived the drain: SIGTERM, then SIGKILL. */
static void
end_stragglers(struct server *srv, double now)
{
	int sig = srv->killed == 0 ? SIGTERM : SIGKILL;

	if (srv->cfg->verbosity >= 0)
		diag_msg("stopping: ending %zu connection%s with %s",
		    srv->kids.count, srv->kids.count == 1 ? "" : "s",
		    sig == SIGTERM ? "SIGTERM" : "SIGKILL");
	children_signal(&srv->kids, sig);
	srv->killed = sig;
	srv->drain_deadline = now + KILL_GRACE;
}

/* The time to wake up at, or 0 for none. */
static double
next_wakeup(const struct server *srv)
{
	double at = 0, held = choreo_held_next(&srv->held);

	if (srv->draining)
		at = srv->drain_deadline;
	else if (srv->resume_at > 0)
		at = srv->resume_at;
	if (held > 0 && (at == 0 || held < at))
		at = held;
	return at;
}

/* SIGHUP: new settings for new connections; children keep theirs. */
static void
reload(struct server *srv)
{
	char err[640];
	int rc;

	rc = reload_settings(srv->settings, srv->ls, srv->cli, err,
	    sizeof err);
	if (rc < 0) {
		diag_msg("SIGHUP: %s; keeping the old settings", err);
		return;
	}
	if (rc == 0) {
		if (srv->cfg->verbosity >= 0)
			diag_msg("SIGHUP: no config file (-c) to re-read");
		return;
	}
	if (children_grow(&srv->kids, srv->cfg->max_children) < 0)
		diag_err(errno, "SIGHUP: room for %lu children (keeping %zu)",
		    srv->cfg->max_children, srv->kids.cap);
	srv->rules.idle_timeout = srv->cfg->idle_timeout;
	srv->rules.verbosity = srv->cfg->verbosity;
	if (srv->cfg->verbosity >= 0)
		diag_msg("SIGHUP: settings re-read from %s",
		    srv->cfg->config_file);
}

int
model_fork_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, const struct reload_cli *cli)
{
	struct server srv;

	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	srv.settings = cfg;
	srv.cli = cli;
	srv.rules.choreo = &cfg->choreo;
	srv.rules.idle_timeout = cfg->idle_timeout;
	srv.rules.verbosity = cfg->verbosity;
	srv.ls = ls;
	srv.next_conn = 1;
	if (children_init(&srv.kids, cfg->max_children) < 0 ||
	    choreo_held_init(&srv.held, HELD_MAX) < 0) {
		diag_err(errno, "allocating a table for %lu children",
		    cfg->max_children);
		return 1;
	}

	for (;;) {
		struct timespec ts, *tsp;
		fd_set ready;
		double now, wake;
		int maxfd = -1, i, rc;

		if (signals_child) {
			signals_child = 0;
			children_reap(&srv.kids, child_ended, &srv);
		}
		if (signals_stop >= 2 && srv.killed != SIGKILL) {
			/* A second SIGTERM: the user wants out now. */
			if (!srv.draining)
				start_drain(&srv);
			end_stragglers(&srv, monotime_now());
			break;
		}
		if (signals_stop && !srv.draining)
			start_drain(&srv);
		if (signals_reload) {
			signals_reload = 0;
			if (!srv.draining)
				reload(&srv);
		}
		now = monotime_now();
		if (srv.draining) {
			if (srv.kids.count == 0)
				break;
			if (now >= srv.drain_deadline) {
				if (srv.killed == SIGKILL)
					break;
				end_stragglers(&srv, now);
			}
		}
		if (srv.resume_at > 0 && now >= srv.resume_at)
			srv.resume_at = 0;
		choreo_held_run(&cfg->choreo, &srv.held, now);

		FD_ZERO(&ready);
		if (!srv.draining && srv.resume_at == 0) {
			if (srv.kids.count < room(&srv)) {
				for (i = 0; i < ls->count; i++) {
					FD_SET(ls->fd[i], &ready);
					if (ls->fd[i] > maxfd)
						maxfd = ls->fd[i];
				}
			} else if (now - srv.limit_logged_at >= LIMIT_LOG_EVERY ||
			    srv.limit_logged_at == 0) {
				/* Waiting clients stay in the backlog until a
				 * child ends and SIGCHLD wakes us. */
				srv.limit_logged_at = now;
				if (cfg->verbosity >= 0)
					diag_msg("--max-children %lu reached: "
					    "new connections wait until one "
					    "ends", cfg->max_children);
			}
		}
		wake = next_wakeup(&srv);
		tsp = monotime_until(wake, &ts);
		/* The only place the signals are let in: no flag set after
		 * the checks above can be missed. */
		rc = pselect(maxfd + 1, &ready, NULL, NULL, tsp, wait_mask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			diag_err(errno, "pselect");
			choreo_held_free(&srv.held);
			children_free(&srv.kids);
			return 1;
		}
		if (rc > 0)
			accept_ready(&srv, &ready);
	}
	choreo_held_release(&srv.held);
	trace_stop("SIGTERM or SIGINT");
	choreo_held_free(&srv.held);
	children_free(&srv.kids);
	return 0;
}
