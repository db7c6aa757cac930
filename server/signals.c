/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "signals.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io.h"

volatile sig_atomic_t signals_child;
volatile sig_atomic_t signals_stop;
volatile sig_atomic_t signals_reload;

static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT };
#define NHANDLED (sizeof handled / sizeof handled[0])

static void
on_signal(int sig)
{
	/* Only flags: anything more is not async-signal-safe. */
	switch (sig) {
	case SIGCHLD:
		signals_child = 1;
		break;
	case SIGHUP:
		signals_reload = 1;
		break;
	case SIGQUIT:
		/* Like a second SIGTERM: no drain. */
		signals_stop = 2;
		break;
	default:
		/* The handler runs with all of them blocked, so this
		 * increment cannot race with itself. */
		if (signals_stop < 2)
			signals_stop++;
		break;
	}
}

int
signals_install(sigset_t *wait_mask, char *err, size_t errlen)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	if (io_ignore_sigpipe() < 0) {
		snprintf(err, errlen, "sigaction SIGPIPE: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof sa);

	sigemptyset(&block);
	for (i = 0; i < NHANDLED; i++)
		sigaddset(&block, handled[i]);
	if (sigprocmask(SIG_BLOCK, &block, wait_mask) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* pselect() waits with the mask the process had before, minus ours
	 * in case the caller inherited them blocked. */
	for (i = 0; i < NHANDLED; i++)
		sigdelset(wait_mask, handled[i]);

	sa.sa_handler = on_signal;
	sa.sa_mask = block;
	/* SA_RESTART does not matter while the signals are blocked outside
	 * pselect(), and pselect() is never restarted; SA_NOCLDSTOP keeps a
	 * stopped child from looking like one that ended. */
	sa.sa_flags = SA_NOCLDSTOP;
	for (i = 0; i < NHANDLED; i++)
		if (sigaction(handled[i], &sa, NULL) < 0) {
			snprintf(err, errlen, "sigaction %d: %s", handled[i],
			    strerror(errno));
			return -1;
		}
	return 0;
}

void
signals_reset_in_child(void)
{
	struct sigaction sa;
	sigset_t term;

	/* Two system calls, not one per signal: this runs for every
	 * connection.  The parent's handlers only set flags a child never
	 * reads, and its signals stay blocked in the child: SIGINT (Ctrl-C
	 * to the group: the parent drains), SIGHUP (a reload sent to the
	 * group: the parent re-reads its file), SIGQUIT and SIGCHLD.  SIGTERM,
	 * the parent's way to end a child at the end of a drain, gets its
	 * default action back and is let in. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	(void)sigprocmask(SIG_UNBLOCK, &term, NULL);
}

void
signals_enter_worker(void)
{
	struct sigaction sa;

	/* The parent's handlers and mask stay: a worker, too, waits only in
	 * pselect() with the signals let in, and serves a connection with
	 * them blocked, so SIGTERM or SIGHUP end it between connections,
	 * never in the middle of one.  What the parent had recorded is not
	 * the worker's. */
	signals_child = 0;
	signals_stop = 0;
	signals_reload = 0;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGINT, &sa, NULL);
}
