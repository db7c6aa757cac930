/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model_classic.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "signals.h"
#include "sockinfo.h"
#include "trace.h"

/* BUG (lost-sigchld): one wait() per signal.  Signals do not queue: when
 * several children end while one SIGCHLD is pending, one call here reaps
 * one of them and the others stay zombies. */
static void
on_sigchld_wait_once(int sig)
{
	int saved = errno;

	(void)sig;
	(void)wait(NULL);
	errno = saved;
}

/* For eintr-accept the handler itself is right (it reaps every child);
 * the bug is how it is installed and how accept() treats EINTR. */
static void
on_sigchld_reap_all(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
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

	if (install(cfg->bug) < 0 || net_set_nonblock(lfd, 0) < 0) {
		diag_err(errno, "setting up the textbook server");
		return 1;
	}
	for (;;) {
		struct conn c;
		pid_t pid;
		int status;

		c.peer.len = sizeof c.peer.ss;
		c.fd = accept(lfd, (struct sockaddr *)&c.peer.ss, &c.peer.len);
		if (c.fd < 0) {
			if (errno == EINTR && cfg->bug != BUG_EINTR_ACCEPT)
				continue;
			if (errno == ECONNABORTED)
				continue;
			/* BUG (eintr-accept): EINTR is taken for a failure
			 * and the server gives up. */
			if (trace_active)
				trace_error(0, lfd, "accept", errno);
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
			diag_err(errno, "fork for connection %lu (dropped)",
			    c.id);
			if (trace_active)
				trace_fork_failed(c.id);
			io_close_quiet(c.fd);
			continue;
		}
		if (pid == 0) {
			signals_reset_in_child();
			listeners_close(ls);
			if (trace_active) {
				trace_set_role(TRACE_CHILD, c.id);
				trace_fork_child();
			}
			status = conn_serve(&c, &rules);
			if (trace_active) {
				trace_exit(c.id, status);
				hold_until_parent_accepts();
			}
			_exit(status);
		}
		/* Parent: the child has its own copy; the parent closes its
		 * copy at once. */
		if (trace_active)
			trace_fork_parent(c.id, c.fd, pid);
		(void)choreo_close(c.id, c.fd, "the parent closes its copy at "
		    "once");
		if (trace_active)
			trace_gate_open();
	}
}
