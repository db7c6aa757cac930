/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "step.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#include "diag.h"
#include "monotime.h"
#include "nls.h"
#include "signals.h"

static volatile sig_atomic_t step_go;	/* SIGUSR1 came */
static volatile sig_atomic_t step_end;	/* SIGUSR2 came */

static struct {
	int enabled;		/* --step */
	int on;			/* --step, and not ended in this process */
	int prefork;		/* the other processes are workers */
	pid_t parent;
	sigset_t mask;		/* the parent's and workers' wait, with ours */
	double waited;		/* seconds at steps, this process */
	int tty_gone;		/* the terminal gave end of file or failed */
} step;

static void
on_signal(int sig)
{
	if (sig == STEP_SIGNAL_GO)
		step_go = 1;
	else
		step_end = 1;
}

static void
handle(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, STEP_SIGNAL_GO);
	sigaddset(&sa.sa_mask, STEP_SIGNAL_END);
	(void)sigaction(sig, &sa, NULL);
}

int
step_install(const sigset_t *wait_mask, int prefork, char *err,
    size_t errlen)
{
	sigset_t ours;

	sigemptyset(&ours);
	sigaddset(&ours, STEP_SIGNAL_GO);
	sigaddset(&ours, STEP_SIGNAL_END);
	/* Blocked outside the waits, like the server's other signals, so
	 * that no check of a flag can miss one. */
	if (sigprocmask(SIG_BLOCK, &ours, NULL) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	handle(STEP_SIGNAL_GO, on_signal);
	handle(STEP_SIGNAL_END, on_signal);
	step.mask = *wait_mask;
	sigdelset(&step.mask, STEP_SIGNAL_GO);
	sigdelset(&step.mask, STEP_SIGNAL_END);
	step.parent = getpid();
	step.prefork = prefork;
	step.enabled = step.on = 1;
	return 0;
}

int
step_enabled(void)
{
	return step.enabled;
}

int
step_active(void)
{
	return step.on;
}

double
step_waited(void)
{
	return step.waited;
}

/* Only the parent reads the terminal: several processes reading one
 * terminal would each take lines meant for another, and the children and
 * workers share the parent's process group.  Nor does a parent in the
 * background read it (that would stop it with SIGTTIN). */
static int
reads_tty(int parent)
{
	return parent && !step.tty_gone && isatty(STDIN_FILENO) &&
	    tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* 1 when the step is released, 0 when the stepping ends. */
static int
wait_release(int tty, const sigset_t *mask)
{
	char line[256];
	fd_set in;
	ssize_t n;
	int rc;

	for (;;) {
		/* The server's stop: SIGTERM or SIGINT in the parent, SIGTERM
		 * in a worker.  A forked child gets SIGUSR2 instead. */
		if (step_end || signals_stop)
			return 0;
		if (step_go)
			return 1;
		FD_ZERO(&in);
		if (tty)
			FD_SET(STDIN_FILENO, &in);
		/* pselect() lets the signals in for the wait alone: one
		 * that comes after the checks above ends it. */
		rc = pselect(tty ? STDIN_FILENO + 1 : 0, tty ? &in : NULL, NULL,
		    NULL, NULL, mask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			diag_err(errno, "step: pselect");
			return 1;
		}
		if (rc == 0 || !FD_ISSET(STDIN_FILENO, &in))
			continue;
		/* In canonical mode one read is one line: one Enter. */
		n = read(STDIN_FILENO, line, sizeof line);
		if (n > 0)
			return 1;
		if (n < 0 && errno == EINTR)
			continue;
		/* End of file or a lost terminal: from now on SIGUSR1 only,
		 * or every later step would pass unseen. */
		step.tty_gone = 1;
		tty = 0;
		/* TRANSLATORS: "step: pid N" begins every line of --step:
		 * scripts find the lines by it.  Keep it, and the command. */
		diag_msg(_("step: pid %ld: no more input on the terminal; "
		    "kill -USR1 %ld goes on"), (long)getpid(), (long)getpid());
	}
}

/* The role of this process, for a prompt: "parent", "worker" or
 * "child", in the user's language. */
static const char *
role_words(int parent)
{
	/* TRANSLATORS: who waits at a step: the server's parent process,
	 * a prefork worker or a forked child. */
	return parent ? _("parent") : step.prefork ? _("worker") :
	    _("child");
}

/* Once per process: the acts from here on are made at once. */
static void
stepping_ends(long pid, int parent)
{
	step.on = 0;
	/* TRANSLATORS: the pid, who (parent, worker or child), then why:
	 * "the server stops" or SIGUSR2. */
	diag_msg(_("step: pid %ld %s: no more steps (%s)"), pid,
	    role_words(parent), signals_stop ? _("the server stops") :
	    "SIGUSR2");
}

void
step_before(unsigned long conn, int fd, const char *act, const char *note)
{
	sigset_t mask;
	char where[96], why[320];
	long pid;
	int parent, tty;
	double started;

	/* Every close of every connection comes here: without --step it
	 * must cost nothing, not even a getpid() (two system calls per
	 * connection in the parent, two in the child). */
	if (!step.on)
		return;
	pid = (long)getpid();
	parent = pid == (long)step.parent;
	if (step_end || signals_stop) {
		stepping_ends(pid, parent);
		return;
	}
	if (parent || step.prefork)
		mask = step.mask;
	else {
		/* A forked child waits with its own mask (SIGTERM in, the
		 * parent's signals out), and ours in. */
		(void)sigprocmask(SIG_BLOCK, NULL, &mask);
		sigdelset(&mask, STEP_SIGNAL_GO);
		sigdelset(&mask, STEP_SIGNAL_END);
	}
	/* A SIGUSR1 sent before the prompt releases nothing: one pending
	 * is discarded (setting SIG_IGN does that), one already taken is
	 * forgotten. */
	handle(STEP_SIGNAL_GO, SIG_IGN);
	handle(STEP_SIGNAL_GO, on_signal);
	step_go = 0;
	tty = reads_tty(parent);
	/* Nor does a line typed before it: the terminal's input, unread
	 * while no step waited, is dropped. */
	if (tty)
		(void)tcflush(STDIN_FILENO, TCIFLUSH);
	if (conn > 0)
		/* TRANSLATORS: the connection a step acts on, "conn 1". */
		snprintf(where, sizeof where, _("conn %lu"), conn);
	else
		/* TRANSLATORS: a step acts on the listening socket. */
		snprintf(where, sizeof where, "%s", _("listener"));
	/* The note is the trace's English word for the act: a view's
	 * translation of it, if the catalog has one (lib/nls.h). */
	/* TRANSLATORS: the pid; who (parent, worker or child); which
	 * connection; the call ("close", "shutdown(SHUT_RDWR)"); the
	 * descriptor; why; "Enter or " when the terminal may release it;
	 * the pid again.  Keep "step: pid N" first and the command
	 * "; kill -USR1 N" last: scripts find them there. */
	diag_msg(_("step: pid %ld %s %s: about to %s fd %d (%s); %skill -USR1 "
	    "%ld"), pid, role_words(parent), where, act, fd,
	    nls_why(note, why, sizeof why), tty ? _("Enter or ") : "", pid);
	started = monotime_now();
	if (!wait_release(tty, &mask))
		stepping_ends(pid, parent);
	step.waited += monotime_now() - started;
}
