/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "nls.h"
#include "trace.h"

/* The helper itself; never returns.  ready is the write end of the
 * pipe its owner waits on: closed once the first act is done, or by
 * exec (it is close-on-exec), so the owner goes on at a known point. */
static void
helper_run(const struct choreo *ch, unsigned long conn, int fd, int ready,
    pid_t owner)
{
	char secs[32];

	/* A helper must not outlive the process it works for: the drain
	 * ends children with SIGTERM, and an orphan would hold the
	 * connection on (Linux: the owner's death sends SIGKILL). */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != owner)
		_exit(0);
	if (trace_active) {
		trace_set_role(TRACE_HELPER, conn);
		trace_fork_child();
	}
	switch (ch->helper_does) {
	case HELPER_HOLD:
		/* Redis's BGSAVE child, for one: it never looks at client
		 * sockets, so it never closes them. */
		break;
	case HELPER_CLOSE:
		(void)choreo_close(conn, fd, "the helper closes what it "
		    "inherited and does not need, first thing");
		break;
	case HELPER_SHUTDOWN:
		/* A library's cleanup that "disconnects" every connection
		 * it finds, owned or not. */
		if (choreo_shutdown(conn, fd, SHUT_RDWR, "the helper's "
		    "cleanup shuts down a connection it inherited but does "
		    "not own") < 0)
			diag_err(errno, _("connection %lu: helper: shutdown"),
			    conn);
		(void)choreo_close(conn, fd, "the helper's cleanup closes "
		    "it too");
		break;
	case HELPER_EXEC:
		/* A program that knows nothing of the socket, as a CGI
		 * script or a subprocess is; it keeps every descriptor that
		 * is not close-on-exec.  ready is, so the owner wakes at
		 * the exec. */
		snprintf(secs, sizeof secs, "%g", ch->helper_secs);
		(void)execlp("sleep", "sleep", secs, (char *)NULL);
		diag_err(errno, _("connection %lu: helper: exec sleep %s"),
		    conn, secs);
		_exit(127);
	}
	io_close_quiet(ready);
	monotime_sleep(ch->helper_secs);
	if (ch->helper_does == HELPER_HOLD)
		/* What its exit would do, made visible: the trace sees the
		 * helper's copy go. */
		(void)choreo_close(conn, fd, "the helper's work is done: its "
		    "copy goes as it exits");
	if (trace_active)
		trace_exit(conn, 0);
	_exit(0);
}

pid_t
helper_start(const struct choreo *ch, unsigned long conn, int fd)
{
	int ready[2];
	pid_t owner = getpid(), pid;
	char c;

	if (pipe(ready) < 0) {
		diag_err(errno, _("connection %lu: pipe for the helper"),
		    conn);
		return -1;
	}
	(void)fcntl(ready[1], F_SETFD, FD_CLOEXEC);
	if (trace_active)
		trace_fork_before(conn);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		diag_err(err, _("connection %lu: fork for the helper"), conn);
		if (trace_active)
			trace_fork_failed(conn);
		io_close_quiet(ready[0]);
		io_close_quiet(ready[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		io_close_quiet(ready[0]);
		helper_run(ch, conn, fd, ready[1], owner);
	}
	io_close_quiet(ready[1]);
	if (trace_active) {
		trace_fork_parent(conn, fd, pid);
		trace_gate_open();
	}
	/* EOF once the helper has made its first act, or exec'd. */
	while (io_read(ready[0], &c, 1) > 0)
		;
	io_close_quiet(ready[0]);
	return pid;
}

void
helper_wait(unsigned long conn, pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			diag_err(errno, _("connection %lu: waitpid helper "
			    "%ld"), conn, (long)pid);
			return;
		}
	}
	if (trace_active)
		trace_reap_helper(conn, pid, status);
}
