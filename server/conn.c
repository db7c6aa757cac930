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
#include "shm.h"

/*
 * At the default verbosity every connection that ends in an error would be
 * a line: clients that connect and reset by the thousand would fill the
 * log.  So at most ERR_BURST of those lines are written in a window of
 * ERR_WINDOW seconds (the Linux kernel's default rate limit for its own
 * messages), and the rest are counted and said in one line when the
 * window is over.  -v writes each.
 */
#define ERR_WINDOW 5.0
#define ERR_BURST 10

/* The limit's state, in memory shared by the parent and every process it
 * forks afterwards, so that one limit binds them all; NULL: no limit. */
static struct diag_limit *err_limit;
static pid_t err_limit_owner;	/* the parent, who says the last count */

static void
say_missed(unsigned long n, double span)
{
	diag_msg("%lu more connection%s ended in an error in the last %g s "
	    "(-v logs each)", n, n == 1 ? "" : "s", span);
}

/* 1 if this connection's error line may be written now. */
static int
error_line_allowed(int verbosity)
{
	unsigned long missed;
	double span;
	int pass;

	if (verbosity > 0 || err_limit == NULL)
		return 1;
	pass = diag_limit_take(err_limit, monotime_now(), &missed, &span);
	/* This line opened a new window: the old one's count comes first,
	 * or a reader would take it for this window's. */
	if (missed > 0)
		say_missed(missed, span);
	return pass;
}

/* At exit the parent says what the window still open has counted: the
 * children that counted it are gone, and nobody else will. */
static void
errors_at_exit(void)
{
	unsigned long n;
	double span;

	if (err_limit == NULL || getpid() != err_limit_owner)
		return;
	n = diag_limit_end(err_limit, monotime_now(), &span);
	if (n > 0)
		say_missed(n, span);
}

void
conn_errors_open(void)
{
	struct diag_limit *l;
	char err[256];

	if (err_limit != NULL)
		return;
	l = shm_create(sizeof *l, err, sizeof err);
	if (l == NULL) {
		diag_msg("%s (so every connection that ends in an error is "
		    "logged)", err);
		return;
	}
	if (diag_limit_init(l, ERR_WINDOW, ERR_BURST, monotime_now()) < 0) {
		diag_err(errno, "a limit on error lines shared by processes "
		    "(so every connection that ends in an error is logged)");
		shm_destroy(l, sizeof *l);
		return;
	}
	err_limit = l;
	err_limit_owner = getpid();
	(void)atexit(errors_at_exit);
}

double
conn_errors_tick(double wake)
{
	unsigned long n;
	double now, span, next;

	if (err_limit == NULL)
		return wake;
	now = monotime_now();
	n = diag_limit_due(err_limit, now, &span, &next);
	if (n > 0)
		say_missed(n, span);
	/* A window that a prefork worker opens wakes nobody here: looking
	 * once a window at least is what brings its count out on time. */
	if (next == 0)
		next = now + ERR_WINDOW;
	return wake > 0 && wake < next ? wake : next;
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
		diag_msg("connection %lu from %s: pid %ld, started", c->id,
		    peer, (long)getpid());
	}
	rc = choreo_child_serve(r->choreo, c->id, c->fd, r->idle_timeout, &st);
	/* The address is formatted only when a line is written: the common
	 * path stays free of it. */
	if (rc < 0 && r->verbosity >= 0 && error_line_allowed(r->verbosity)) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_err(st.err, "connection %lu from %s: %s", c->id, peer,
		    st.failed_call);
	} else if (st.idle && r->verbosity >= 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_msg("connection %lu from %s: idle for %g s "
		    "(--idle-timeout): closed", c->id, peer, r->idle_timeout);
	}
	if (r->verbosity > 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_msg("connection %lu from %s: pid %ld, %llu bytes in, "
		    "%llu bytes out, %.3f s, %s", c->id, peer, (long)getpid(),
		    st.bytes_in, st.bytes, monotime_now() - c->accepted,
		    rc < 0 ? "ended in an error" : st.idle ?
		    "ended idle (--idle-timeout)" : "ended at the peer's EOF");
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
	n = snprintf(line, sizeof line, "forkechod: too many connections from "
	    "%s (at most %lu)\n", host, limit);
	/* A new socket's send buffer is empty: one short line never blocks.
	 * The client may have gone already; that is its business. */
	if (n > 0)
		(void)send(c->fd, line, (size_t)n < sizeof line ? (size_t)n :
		    sizeof line - 1, MSG_NOSIGNAL);
	io_close_quiet(c->fd);
	if (verbosity >= 0)
		diag_msg("refused a connection from %s %u: %lu already "
		    "(--per-source %lu)", host, port, limit, limit);
}
