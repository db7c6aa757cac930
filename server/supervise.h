/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * supervise: the parent's loop, the same for every process model that
 * supervises children (fork, prefork).  It waits in pselect() with the
 * signals let in, reaps, drains at SIGTERM and ends the stragglers,
 * re-reads the settings at SIGHUP, pauses accepting after a failure, runs
 * the copies the choreography keeps, and computes when to wake up.  A
 * model supplies only what differs, as the hooks of struct supervise_model.
 */
#ifndef FORKECHOD_SUPERVISE_H
#define FORKECHOD_SUPERVISE_H

#include <signal.h>
#include <stddef.h>
#include <sys/select.h>
#include <sys/types.h>

#include "addr.h"
#include "choreo.h"
#include "listeners.h"
#include "options.h"
#include "reload.h"

/*
 * What differs per model.  m is the model's own state, passed back to
 * every hook; the hooks may read the supervisor's fields below and call
 * the functions of this header.  A hook marked "or NULL" may be left out.
 */
struct supervise_model {
	/* What the drain's log lines count: workers (1) or connections
	 * (0). */
	int counts_workers;
	/* The signal for those still running when the drain time is over,
	 * SIGTERM or SIGKILL; SIGKILL follows 2 s after a SIGTERM. */
	int end_signal;
	/* How many children (or workers) run: the drain ends at 0. */
	size_t (*live)(void *m);
	/* Sends sig to each of them. */
	void (*signal)(void *m, int sig);
	/* The supervisor has reaped pid, which ended with status. */
	void (*ended)(void *m, pid_t pid, int status);
	/* The drain starts; the supervisor closes the listeners next, or
	 * NULL. */
	void (*drain)(void *m);
	/* SIGHUP: reload_settings() returned rc (1 re-read, 0 no file, -1
	 * kept the old settings); the supervisor has logged it. */
	void (*reloaded)(void *m, int rc);
	/* Before each wait, except while draining: the model's own timers
	 * and work, and the descriptors it waits on besides the listeners.
	 * Returns its earliest deadline (monotime), or 0; or NULL. */
	double (*prepare)(void *m, double now, fd_set *watch, int *maxfd);
	/* 1 if the parent may accept a connection now, or NULL: it never
	 * does.  Asked only while accepting is not paused. */
	int (*room)(void *m, double now);
	/* Listener i is readable: accept what there is room for. */
	void (*accept)(void *m, int i);
	/* After a wait, with what prepare() watched that is ready; or
	 * NULL. */
	void (*ready)(void *m, const fd_set *ready);
	/* The loop is over; the model's last word before the trace's stop
	 * row; or NULL. */
	void (*finish)(void *m);
	/* While draining (when prepare() is not asked): the descriptors the
	 * model still waits on, as a thread's end comes through one; ready()
	 * gets them.  Or NULL: children end with SIGCHLD. */
	void (*drain_watch)(void *m, fd_set *watch, int *maxfd);
	/* The drain's end in words, for its log line, where the model ends
	 * what runs otherwise than with end_signal; or NULL.  English,
	 * marked with N_(): translated when the line is written. */
	const char *end_words;
};

struct supervisor {
	/* Read by the models. */
	struct server_config *cfg;	/* replaced in place by SIGHUP */
	struct listeners *ls;
	const sigset_t *wait_mask;	/* the mask pselect() waits with */
	struct held_table held;	/* copies the parent keeps (choreography) */
	int draining;		/* SIGTERM came: no more accepting */
	int killed;		/* 0, or the signal sent at the drain's end */
	/* The supervisor's own. */
	const struct reload_cli *cli;
	double backoff;		/* the current pause after a failure, or 0 */
	double resume_at;	/* accept again at this time, or 0 */
	double drain_deadline;
	int status;		/* the exit status */
	const char *why;	/* why it stopped, for the trace */
};

/*
 * Sets sv up for cfg and the open listeners ls; wait_mask is the mask
 * pselect() waits with, cli the command line for SIGHUP's re-read.
 * Returns 0, or -1 once it has said why (nothing to free).
 */
int supervise_init(struct supervisor *sv, struct server_config *cfg,
    struct listeners *ls, const sigset_t *wait_mask,
    const struct reload_cli *cli);

/*
 * Supervises with model's hooks until SIGTERM, SIGINT or SIGQUIT and the
 * drain are over, or until it gives up; then lets go of what sv holds.
 * Returns the exit status for main: 0 after a normal stop, 1 after a
 * failure.
 */
int supervise_run(struct supervisor *sv, const struct supervise_model *model,
    void *m);

/*
 * Accepts a connection on listener i, its client in *peer.  Returns its
 * descriptor, or -1 when there is none to take now: none waits, or
 * accept() failed for lack of a resource, which is logged and pauses
 * accepting (supervise_back_off).
 */
int supervise_accept(struct supervisor *sv, int i, struct addr *peer);

/*
 * After a failure for lack of a resource (accept, fork), the parent stops
 * accepting for a while instead of spinning: 0.1 s, doubling to 1 s while
 * the failures go on.  Returns the pause, for the log line.
 */
double supervise_back_off(struct supervisor *sv);

/* A connection went through: the next failure pauses 0.1 s again. */
static inline void
supervise_recovered(struct supervisor *sv)
{
	sv->backoff = 0;
}

/* Stops the loop with status 1; why goes into the trace's stop row. */
void supervise_give_up(struct supervisor *sv, const char *why);

/*
 * In a new child or worker: closes the copies of connections the parent
 * holds, which came along with fork() and are not the child's, and, unless
 * keep_listeners, the listening sockets.
 */
void supervise_forget(struct supervisor *sv, int keep_listeners);

#endif
