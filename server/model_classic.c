/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model_classic.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "signals.h"
#include "sockinfo.h"
#include "trace.h"

/*
 * What the handlers reaped, for the trace's reap rows.  A handler may not
 * write the trace itself (nothing in it is async-signal-safe), so it
 * notes the pid and status here and the main loop writes the rows.
 */
#define REAPED_CAP 64

static struct {
	volatile sig_atomic_t on;	/* the trace is on: take notes */
	volatile sig_atomic_t count;	/* entries below, unread */
	volatile sig_atomic_t pid[REAPED_CAP];
	volatile sig_atomic_t status[REAPED_CAP];
} reaped;

/* In a handler: one child reaped.  Beyond REAPED_CAP unread entries a
 * reap goes untraced; the loop reads them long before. */
static void
note_reaped(pid_t pid, int status)
{
	sig_atomic_t n = reaped.count;

	if (!reaped.on || n >= REAPED_CAP)
		return;
	reaped.pid[n] = (sig_atomic_t)pid;
	reaped.status[n] = (sig_atomic_t)status;
	reaped.count = n + 1;
}

/* BUG (lost-sigchld): one wait() per signal.  Signals do not queue: when
 * several children end while one SIGCHLD is pending, one call here reaps
 * one of them and the others stay zombies. */
static void
on_sigchld_wait_once(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	pid = wait(&status);
	if (pid > 0)
		note_reaped(pid, status);
	errno = saved;
}

/* For eintr-accept the handler itself is right (it reaps every child);
 * the bug is how it is installed and how accept() treats EINTR. */
static void
on_sigchld_reap_all(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		note_reaped(pid, status);
	errno = saved;
}

/* The parent's list of its children, to name a reaped child's
 * connection in the trace. */
static struct {
	pid_t *pid;
	unsigned long *conn;
	size_t count, cap;
} kids;

static void
kids_add(pid_t pid, unsigned long conn)
{
	if (kids.count == kids.cap) {
		size_t ncap = kids.cap != 0 ? kids.cap * 2 : 16;
		pid_t *np = realloc(kids.pid, ncap * sizeof *np);
		unsigned long *nc;

		if (np == NULL)
			return;		/* the reap row will say conn 0 */
		kids.pid = np;
		nc = realloc(kids.conn, ncap * sizeof *nc);
		if (nc == NULL)
			return;
		kids.conn = nc;
		kids.cap = ncap;
	}
	kids.pid[kids.count] = pid;
	kids.conn[kids.count++] = conn;
}

/* The connection of child pid, forgotten from now on; 0 if unknown. */
static unsigned long
kids_take(pid_t pid)
{
	unsigned long conn;
	size_t i;

	for (i = 0; i < kids.count; i++)
		if (kids.pid[i] == pid) {
			conn = kids.conn[i];
			kids.count--;
			kids.pid[i] = kids.pid[kids.count];
			kids.conn[i] = kids.conn[kids.count];
			return conn;
		}
	return 0;
}

/* In the main loop: a reap row for every child the handler noted.
 * SIGCHLD is blocked while the notes are read, so that the handler does
 * not write them meanwhile; one that comes then waits, pending. */
static void
reaped_trace(void)
{
	pid_t pid[REAPED_CAP];
	int status[REAPED_CAP];
	sigset_t chld, old;
	int i, n;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &chld, &old);
	n = reaped.count;
	for (i = 0; i < n; i++) {
		pid[i] = (pid_t)reaped.pid[i];
		status[i] = reaped.status[i];
	}
	reaped.count = 0;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n; i++)
		trace_reap(kids_take(pid[i]), pid[i], status[i]);
}

/* lost-sigchld, traced: SIGCHLD stays blocked, and so the handler
 * waits, except while the parent waits here for a client, in pselect()
 * (which lets it in without a gap between the check and the wait).  So
 * a reap row is written as soon as the handler has reaped, not at the
 * next connection; pselect() is never restarted after a handler.
 * Blocked signals merge just as the textbook's do, which is the bug.
 * eintr-accept must not wait here: its bug is accept() itself being
 * interrupted. */
static void
await_client(int lfd, const sigset_t *wait_mask)
{
	fd_set ready;

	do {
		reaped_trace();
		FD_ZERO(&ready);
		FD_SET(lfd, &ready);
	} while (pselect(lfd + 1, &ready, NULL, NULL, NULL, wait_mask) < 0 &&
	    errno == EINTR);
	/* A handler may also have run as pselect() returned ready. */
	reaped_trace();
}

static int
install(enum classic_bug bug)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	switch (bug) {
	case BUG_ZOMBIES:
		/* BUG (zombies): no handler and no wait() anywhere.  SIG_DFL,
		 * not SIG_IGN: ignoring SIGCHLD would make the kernel reap. */
		sa.sa_handler = SIG_DFL;
		break;
	case BUG_LOST_SIGCHLD:
		sa.sa_handler = on_sigchld_wait_once;
		sa.sa_flags = SA_RESTART;
		break;
	case BUG_EINTR_ACCEPT:
	case BUG_NONE:
		/* BUG (eintr-accept): no SA_RESTART, so a SIGCHLD that comes
		 * while accept() blocks makes it fail with EINTR. */
		sa.sa_handler = on_sigchld_reap_all;
		sa.sa_flags = 0;
		break;
	}
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return -1;
	/* The textbook server simply dies on SIGTERM and SIGINT. */
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The child, about to leave: waits (at most a second) until the parent
 * sleeps in accept() again, so that the SIGCHLD its exit raises finds it
 * there, as in the eintr-accept lesson's story and not by the luck of
 * scheduling.  Where that cannot be known, it returns at once. */
static void
hold_until_parent_accepts(void)
{
	double until = monotime_now() + 1.0;
	pid_t parent = getppid();

	/* A bounded poll: nothing else can tell a process that another one
	 * has gone to sleep in a system call. */
	while (sockinfo_in_accept(parent) == 0 && monotime_now() < until)
		(void)poll(NULL, 0, 1);
}

int
model_classic_run(const struct server_config *cfg, struct listeners *ls)
{
	struct conn_rules rules = { &cfg->choreo, cfg->idle_timeout,
	    cfg->verbosity };
	unsigned long next_conn = 1;
	int lfd = ls->fd[0];
	sigset_t chld, wait_mask;

	reaped.on = trace_active;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (install(cfg->bug) < 0 || net_set_nonblock(lfd, 0) < 0 ||
	    (trace_active && cfg->bug == BUG_LOST_SIGCHLD &&
	    sigprocmask(SIG_BLOCK, &chld, &wait_mask) < 0)) {
		diag_err(errno, "%s", _("setting up the textbook server"));
		return 1;
	}
	for (;;) {
		struct conn c;
		pid_t pid;
		int status;

		if (trace_active && cfg->bug == BUG_LOST_SIGCHLD)
			await_client(lfd, &wait_mask);
		c.peer.len = sizeof c.peer.ss;
		c.fd = accept(lfd, (struct sockaddr *)&c.peer.ss, &c.peer.len);
		if (c.fd < 0) {
			if (errno == EINTR && cfg->bug != BUG_EINTR_ACCEPT)
				continue;
			if (errno == ECONNABORTED)
				continue;
			/* BUG (eintr-accept): EINTR is taken for a failure
			 * and the server gives up.  The trace shows the reap
			 * that the interrupting handler made first. */
			if (trace_active) {
				int err = errno;

				reaped_trace();
				trace_error(0, lfd, "accept", err, NULL);
				errno = err;
			}
			/* The call alone: the eintr-accept lesson's text
			 * quotes this line. */
			diag_err(errno, "accept");
			return 1;
		}
		c.id = next_conn++;
		c.accepted = monotime_now();
		if (trace_active) {
			trace_accept(c.id, c.fd);
			trace_fork_before(c.id);
		}
		pid = fork();
		if (pid < 0) {
			diag_err(errno, _("fork for connection %lu (dropped)"),
			    c.id);
			if (trace_active)
				trace_fork_failed(c.id);
			io_close_quiet(c.fd);
			continue;
		}
		if (pid == 0) {
			signals_reset_in_child();
			reaped.on = 0;
			listeners_close(ls);
			if (trace_active) {
				trace_set_role(TRACE_CHILD, c.id);
				trace_fork_child();
			}
			status = conn_serve(&c, &rules);
			if (trace_active) {
				trace_exit(c.id, status);
				if (cfg->bug == BUG_EINTR_ACCEPT)
					hold_until_parent_accepts();
			}
			_exit(status);
		}
		/* Parent: the child has its own copy; the parent closes its
		 * copy at once. */
		if (trace_active) {
			kids_add(pid, c.id);
			trace_fork_parent(c.id, c.fd, pid);
		}
		choreo_parent_let_go(&cfg->choreo, c.id, c.fd);
		if (trace_active)
			trace_gate_open();
	}
}
