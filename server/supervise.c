/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "conn.h"
#include "diag.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "sdnotify.h"
#include "signals.h"
#include "step.h"
#include "trace.h"

/* The pause after a failure for lack of a resource: from 0.1 s, doubling
 * to 1 s while the failures go on. */
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 1.0

/* After the drain's end signal, this long before SIGKILL, and after
 * SIGKILL this long for the reaps. */
#define KILL_GRACE 2.0

/* Copies of accepted sockets the parent may hold at once (--parent-close
 * never piles them up on purpose); past it the oldest is let go. */
#define HELD_MAX 256

int
supervise_init(struct supervisor *sv, struct server_config *cfg,
    struct listeners *ls, const sigset_t *wait_mask,
    const struct reload_cli *cli)
{
	memset(sv, 0, sizeof *sv);
	sv->cfg = cfg;
	sv->ls = ls;
	sv->wait_mask = wait_mask;
	sv->cli = cli;
	/* The stop's why is the trace's, in English (lib/nls.h). */
	sv->why = "SIGTERM or SIGINT";
	/* Before the first child or worker, so that all share the limits
	 * on log lines. */
	conn_lines_open();
	if (choreo_held_init(&sv->held, HELD_MAX) < 0) {
		diag_err(errno, _("allocating a table for %d held copies"),
		    HELD_MAX);
		return -1;
	}
	return 0;
}

double
supervise_back_off(struct supervisor *sv)
{
	sv->backoff = sv->backoff == 0 ? BACKOFF_MIN :
	    sv->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : sv->backoff * 2;
	sv->resume_at = monotime_now() + sv->backoff;
	return sv->backoff;
}

int
supervise_accept(struct supervisor *sv, int i, struct addr *peer)
{
	int fd;

	for (;;) {
		peer->len = sizeof peer->ss;
		fd = accept(sv->ls->fd[i], (struct sockaddr *)&peer->ss,
		    &peer->len);
		if (fd >= 0)
			return fd;
		switch (net_accept_miss(errno)) {
		case NET_ACCEPT_NONE:
			return -1;
		case NET_ACCEPT_GONE:
			/* Not ours to report, and the next may be waiting. */
			continue;
		case NET_ACCEPT_SHUT:
		case NET_ACCEPT_SCARCE:
		default:
			(void)supervise_back_off(sv);
			/* TRANSLATORS: accept is the call that failed; then
			 * the listening address. */
			diag_err(errno, _("accept %s (accepting again in %.1f "
			    "s)"), sv->ls->where[i], sv->backoff);
			return -1;
		}
	}
}

void
supervise_give_up(struct supervisor *sv, const char *why)
{
	sv->status = 1;
	sv->why = why;
}

void
supervise_forget(struct supervisor *sv, int keep_listeners)
{
	choreo_held_forget(&sv->held);
	if (!keep_listeners)
		listeners_close(sv->ls);
}

/* Tells systemd (Type=notify) what the server is doing; without
 * $NOTIFY_SOCKET nothing happens. */
static void
notify(const struct supervisor *sv, const char *state)
{
	char err[256];

	if (sdnotify_send(state, err, sizeof err) < 0 &&
	    sv->cfg->verbosity >= 0)
		diag_msg("%s", err);
}

/* --- stopping */

static void
start_drain(struct supervisor *sv, const struct supervise_model *model,
    void *m)
{
	size_t live;

	sv->draining = 1;
	notify(sv, "STOPPING=1");
	sv->drain_deadline = monotime_now() + sv->cfg->drain_timeout;
	sv->resume_at = 0;
	/* New clients are refused from here on, not left in a backlog that
	 * nobody will accept from; held copies are let go, so that every
	 * connection whose child is done gets its FIN. */
	if (model->drain != NULL)
		model->drain(m);
	/* A child waiting at a step (--step) would wait for the user until
	 * the drain's end: it goes on at once, as without --step. */
	if (step_enabled())
		model->signal(m, STEP_SIGNAL_END);
	listeners_close(sv->ls);
	choreo_held_release(&sv->held);
	live = model->live(m);
	if (live == 0 || sv->cfg->verbosity < 0)
		return;
	/* Whole sentences, singular and plural, for the translations. */
	if (model->counts_workers)
		diag_msg(live == 1 ? _("stopping: waiting up to %.1f s for %zu "
		    "worker") : _("stopping: waiting up to %.1f s for %zu "
		    "workers"), sv->cfg->drain_timeout, live);
	else
		diag_msg(live == 1 ? _("stopping: waiting up to %.1f s for %zu "
		    "connection") : _("stopping: waiting up to %.1f s for %zu "
		    "connections"), sv->cfg->drain_timeout, live);
}

/* Ends the children that outlived the drain: the model's end signal, then
 * SIGKILL. */
static void
end_stragglers(struct supervisor *sv, const struct supervise_model *model,
    void *m, double now)
{
	int sig = sv->killed == 0 ? model->end_signal : SIGKILL;
	size_t live = model->live(m);
	const char *how;

	if (live > 0 && sv->cfg->verbosity >= 0) {
		how = model->end_words != NULL ? _(model->end_words) :
		    sig == SIGKILL ? "SIGKILL" : "SIGTERM";
		/* TRANSLATORS: the count, then how they are ended (a
		 * signal's name, or words). */
		if (model->counts_workers)
			diag_msg(live == 1 ? _("stopping: ending %zu worker "
			    "with %s") : _("stopping: ending %zu workers with "
			    "%s"), live, how);
		else
			diag_msg(live == 1 ? _("stopping: ending %zu "
			    "connection with %s") : _("stopping: ending %zu "
			    "connections with %s"), live, how);
	}
	model->signal(m, sig);
	sv->killed = sig;
	sv->drain_deadline = now + KILL_GRACE;
}

/* --- the loop */

/* SIGHUP: new settings for new connections; what runs keeps its own. */
static void
reload(struct supervisor *sv, const struct supervise_model *model, void *m)
{
	char err[640];
	int rc;

	notify(sv, "RELOADING=1");
	rc = reload_settings(sv->cfg, sv->ls, sv->cli, err, sizeof err);
	if (rc < 0)
		/* TRANSLATORS: the error, then what the server does. */
		diag_msg(_("SIGHUP: %s; keeping the old settings"), err);
	else if (rc == 0 && sv->cfg->verbosity >= 0)
		diag_msg("%s", _("SIGHUP: no config file (-c) to re-read"));
	else if (rc > 0 && sv->cfg->verbosity >= 0)
		diag_msg(_("SIGHUP: settings re-read from %s"),
		    sv->cfg->config_file);
	model->reloaded(m, rc);
	notify(sv, "READY=1");
}

/* SIGCHLDs merge: one signal may stand for many exits. */
static void
reap(const struct supervise_model *model, void *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0 ||
	    (pid < 0 && errno == EINTR))
		if (pid > 0)
			model->ended(m, pid, status);
}

static void
add_fd(fd_set *set, int fd, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

static double
earlier(double a, double b)
{
	return b > 0 && (a == 0 || b < a) ? b : a;
}

int
supervise_run(struct supervisor *sv, const struct supervise_model *model,
    void *m)
{
	struct listeners *ls = sv->ls;

	for (;;) {
		struct timespec ts, *tsp;
		fd_set ready;
		double now, wake = 0, waited = step_waited();
		int maxfd = -1, i, rc;

		if (signals_child) {
			signals_child = 0;
			reap(model, m);
		}
		if (signals_stop >= 2 && sv->killed != SIGKILL) {
			/* A second SIGTERM: the user wants out now. */
			if (!sv->draining)
				start_drain(sv, model, m);
			end_stragglers(sv, model, m, monotime_now());
			break;
		}
		if (signals_stop && !sv->draining)
			start_drain(sv, model, m);
		if (signals_reload) {
			signals_reload = 0;
			if (!sv->draining)
				reload(sv, model, m);
		}
		now = monotime_now();
		if (sv->draining) {
			if (model->live(m) == 0)
				break;
			if (now >= sv->drain_deadline) {
				if (sv->killed == SIGKILL)
					break;
				end_stragglers(sv, model, m, now);
			}
			wake = sv->drain_deadline;
		}
		if (sv->resume_at > 0 && now >= sv->resume_at)
			sv->resume_at = 0;
		choreo_held_run(&sv->cfg->choreo, &sv->held, now);

		FD_ZERO(&ready);
		if (!sv->draining && model->prepare != NULL)
			wake = earlier(wake, model->prepare(m, now, &ready,
			    &maxfd));
		else if (sv->draining && model->drain_watch != NULL)
			model->drain_watch(m, &ready, &maxfd);
		if (sv->status != 0)
			break;
		if (!sv->draining && sv->resume_at == 0 && model->room != NULL &&
		    model->room(m, now))
			for (i = 0; i < ls->count; i++)
				add_fd(&ready, ls->fd[i], &maxfd);
		wake = earlier(wake, sv->resume_at);
		wake = earlier(wake, choreo_held_next(&sv->held));
		wake = conn_lines_tick(wake);
		/* A step (--step) lets the signals in while it waits: what
		 * came then is looked at before the wait, not after. */
		if (step_waited() != waited)
			continue;
		tsp = monotime_until(wake, &ts);
		/* The only place the signals are let in, a step's wait
		 * aside: no flag set after the checks above can be missed. */
		rc = pselect(maxfd + 1, &ready, NULL, NULL, tsp, sv->wait_mask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			diag_err(errno, "pselect");
			supervise_give_up(sv, "pselect failed");
			break;
		}
		if (rc == 0)
			continue;
		if (model->ready != NULL)
			model->ready(m, &ready);
		for (i = 0; i < ls->count; i++)
			if (FD_ISSET(ls->fd[i], &ready))
				model->accept(m, i);
	}
	if (model->finish != NULL)
		model->finish(m);
	choreo_held_release(&sv->held);
	trace_stop(sv->why);
	choreo_held_free(&sv->held);
	return sv->status;
}
