/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "shm.h"

/*
 * At the default verbosity every connection that ends in an error, is
 * closed for being idle, or is refused by --per-source would be a line:
 * clients that connect and reset, go quiet or crowd in by the thousand
 * would fill the log.  So at most LINE_BURST lines of each kind are
 * written in a window of LINE_WINDOW seconds (the Linux kernel's default
 * rate limit for its own messages), and the rest are counted and said in
 * one line when the window is over.  -v writes each.
 */
#define LINE_WINDOW 5.0
#define LINE_BURST 10

enum line_kind { LINE_ERROR, LINE_IDLE, LINE_REFUSED, LINE_KINDS };

/* How each kind's count is said: "N more connections " and this
 * (English, marked with N_(): translated when it is written). */
static const char *const line_counted[LINE_KINDS] = {
	N_("ended in an error"),
	N_("closed idle (--idle-timeout)"),
	N_("refused (--per-source)"),
};

/* The limits' state, in memory shared by the parent and every process it
 * forks afterwards, so that one limit binds them all; NULL: no limit. */
static struct diag_limit *line_limit;
static pid_t line_limit_owner;	/* the parent, who says the last counts */

static void
say_missed(enum line_kind kind, unsigned long n, double span)
{
	/* TRANSLATORS: the count, then what happened to them ("ended in
	 * an error"), then the seconds. */
	diag_msg(n == 1 ? _("%lu more connection %s in the last %g s (-v "
	    "logs each)") : _("%lu more connections %s in the last %g s (-v "
	    "logs each)"), n, _(line_counted[kind]), span);
}

/* 1 if a line of this kind may be written now. */
static int
line_allowed(enum line_kind kind, int verbosity)
{
	unsigned long missed;
	double span;
	int pass;

	if (verbosity > 0 || line_limit == NULL)
		return 1;
	pass = diag_limit_take(&line_limit[kind], monotime_now(), &missed,
	    &span);
	/* This line opened a new window: the old one's count comes first,
	 * or a reader would take it for this window's. */
	if (missed > 0)
		say_missed(kind, missed, span);
	return pass;
}

/* At exit the parent says what the windows still open have counted: the
 * children that counted it are gone, and nobody else will. */
static void
lines_at_exit(void)
{
	unsigned long n;
	double span;
	int k;

	if (line_limit == NULL || getpid() != line_limit_owner)
		return;
	for (k = 0; k < LINE_KINDS; k++) {
		n = diag_limit_end(&line_limit[k], monotime_now(), &span);
		if (n > 0)
			say_missed((enum line_kind)k, n, span);
	}
}

void
conn_lines_open(void)
{
	struct diag_limit *l;
	char err[256];
	int k;

	if (line_limit != NULL)
		return;
	l = shm_create(LINE_KINDS * sizeof *l, err, sizeof err);
	if (l == NULL) {
		/* TRANSLATORS: what failed, then what follows from it. */
		diag_msg(_("%s (so every connection's error, idle close and "
		    "refusal is logged)"), err);
		return;
	}
	for (k = 0; k < LINE_KINDS; k++)
		if (diag_limit_init(&l[k], LINE_WINDOW, LINE_BURST,
		    monotime_now()) < 0) {
			diag_err(errno, "%s", _("a limit on log lines shared "
			    "by processes (so every connection's error, idle "
			    "close and refusal is logged)"));
			shm_destroy(l, LINE_KINDS * sizeof *l);
			return;
		}
	line_limit = l;
	line_limit_owner = getpid();
	(void)atexit(lines_at_exit);
}

double
conn_lines_tick(double wake)
{
	unsigned long n;
	double now, span, next;
	int k;

	if (line_limit == NULL)
		return wake;
	now = monotime_now();
	for (k = 0; k < LINE_KINDS; k++) {
		n = diag_limit_due(&line_limit[k], now, &span, &next);
		if (n > 0) {
			say_missed((enum line_kind)k, n, span);
			diag_limit_reopen(&line_limit[k], now);
		}
		/* A window that a prefork worker opens wakes nobody here:
		 * looking once a window at least is what brings its count
		 * out on time. */
		if (next == 0)
			next = now + LINE_WINDOW;
		if (wake == 0 || next < wake)
			wake = next;
	}
	return wake;
}

int
conn_serve(const struct conn *c, const struct conn_rules *r)
{
	struct echo_stats st;
	char peer[ADDR_TEXT_MAX];
	int rc;

#ifndef __linux__
	/* BSDs pass the listener's O_NONBLOCK on to accepted sockets; the
	 * echo loop wants blocking reads.  Linux never does, so it is spared
	 * the two system calls. */
	(void)net_set_nonblock(c->fd, 0);
#endif
	if (r->verbosity > 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_msg(_("connection %lu from %s: pid %ld, started"), c->id,
		    peer, (long)getpid());
	}
	rc = choreo_child_serve(r->choreo, c->id, c->fd, r->idle_timeout, &st);
	/* The address is formatted, and the words translated, only when a
	 * line is written: the common path stays free of them. */
	if (rc < 0 && r->verbosity >= 0 &&
	    line_allowed(LINE_ERROR, r->verbosity)) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		/* TRANSLATORS: the last %s is the call that failed
		 * ("read", "write"). */
		diag_err(st.err, _("connection %lu from %s: %s"), c->id, peer,
		    st.failed_call);
	} else if (rc == 0 && st.idle && r->verbosity >= 0 &&
	    line_allowed(LINE_IDLE, r->verbosity)) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_msg(_("connection %lu from %s: idle for %g s "
		    "(--idle-timeout): closed"), c->id, peer,
		    r->idle_timeout);
	}
	if (r->verbosity > 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		/* TRANSLATORS: the last %s says how it ended ("ended at the
		 * peer's EOF"). */
		diag_msg(_("connection %lu from %s: pid %ld, %llu bytes in, "
		    "%llu bytes out, %.3f s, %s"), c->id, peer,
		    (long)getpid(), st.bytes_in, st.bytes,
		    monotime_now() - c->accepted, rc < 0 ?
		    _("ended in an error") : st.idle ?
		    _("ended idle (--idle-timeout)") :
		    _("ended at the peer's EOF"));
	}
	return rc == 0 ? 0 : 1;
}

void
conn_refuse_source(const struct conn *c, unsigned long limit, int verbosity)
{
	char host[80], line[160];
	unsigned port;
	int n;

	if (addr_numeric((const struct sockaddr *)&c->peer.ss, c->peer.len,
	    host, sizeof host, &port) < 0) {
		snprintf(host, sizeof host, "?");
		port = 0;
	}
	/* Not translated: it goes to the client, on another machine
	 * perhaps, whose user's language is not this server's. */
	n = snprintf(line, sizeof line, "forkechod: too many connections from "
	    "%s (at most %lu)\n", host, limit);
	/* A new socket's send buffer is empty: one short line never blocks.
	 * The client may have gone already; that is its business. */
	if (n > 0)
		(void)send(c->fd, line, (size_t)n < sizeof line ? (size_t)n :
		    sizeof line - 1, MSG_NOSIGNAL);
	io_close_quiet(c->fd);
	if (verbosity >= 0 && line_allowed(LINE_REFUSED, verbosity))
		/* TRANSLATORS: the host, its port, the count, then the
		 * limit (the same number). */
		diag_msg(_("refused a connection from %s %u: %lu already "
		    "(--per-source %lu)"), host, port, limit, limit);
}
