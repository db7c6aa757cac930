/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * signals: the server's signal handling.
 *
 * Handlers only record that a signal came; the main loop does the work.
 * SIGCHLD, SIGTERM, SIGINT, SIGHUP and SIGQUIT stay blocked except while
 * the main loop waits in pselect(), so bookkeeping is never interrupted
 * and no signal can slip in between a check of the flags and the wait.
 */
#ifndef FORKECHOD_SIGNALS_H
#define FORKECHOD_SIGNALS_H

#include <signal.h>
#include <stddef.h>

extern volatile sig_atomic_t signals_child;	/* a child ended */
extern volatile sig_atomic_t signals_stop;	/* SIGTERM/SIGINT count;
						   SIGQUIT: 2 */
extern volatile sig_atomic_t signals_reload;	/* SIGHUP */

/*
 * Ignores SIGPIPE, installs the handlers and blocks those signals.
 * wait_mask receives the mask to give pselect().  Returns 0, or -1 with a
 * message in err.
 */
int signals_install(sigset_t *wait_mask, char *err, size_t errlen);

/* In a new child: SIGTERM (with which the parent ends a child after a
 * drain) gets its default action and is let in; the others stay blocked,
 * so a Ctrl-C, hangup or SIGQUIT sent to the whole process group leaves
 * the connections to the parent's drain.  SIGPIPE stays ignored, so a
 * write to a reset peer fails with EPIPE instead of killing the child
 * without a word. */
void signals_reset_in_child(void);

/* In a new prefork worker: keeps the handlers and the mask (the worker
 * waits in pselect() too), clears the flags, and ignores SIGINT like a
 * child: SIGTERM (the parent's drain) or SIGHUP (graceful replacement)
 * tells it to leave after its current connection. */
void signals_enter_worker(void);

#endif
