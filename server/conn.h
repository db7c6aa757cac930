/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * conn: one accepted connection, and its service in the process that
 * serves it (a forked child, later a worker): echo until the peer's EOF,
 * then give up the socket.
 */
#ifndef FORKECHOD_CONN_H
#define FORKECHOD_CONN_H

#include "addr.h"
#include "choreo.h"

struct conn {
	int fd;			/* the accepted socket */
	unsigned long id;	/* connection number, from 1 */
	struct addr peer;	/* the client's address */
	double accepted;	/* monotime_now() at accept */
};

/* What every connection is served with, whatever the process model. */
struct conn_rules {
	const struct choreo *choreo;
	double idle_timeout;	/* seconds; 0: none */
	int verbosity;		/* -1 errors only, 0 normal, 1 every end */
};

/*
 * Serves c and gives its socket up, both as the choreography says.  Logs
 * an error (a reset peer) and a connection ended for being idle, within
 * the limits that conn_lines_open sets; with verbosity > 0 every error
 * and every connection's end.  Returns 0, or 1
 * if the connection ended in an error (a child's exit status).
 */
int conn_serve(const struct conn *c, const struct conn_rules *r);

/* --per-source: turns c away because its host has limit connections
 * already.  The client gets one line, the socket is closed without waiting
 * on a client that does not read, and with verbosity >= 0 it is logged,
 * within the limit that conn_lines_open sets. */
void conn_refuse_source(const struct conn *c, unsigned long limit,
    int verbosity);

/*
 * The limits on log lines at the default verbosity, shared by every
 * process that serves connections.  Each kind (a connection that ended in
 * an error, one closed idle, one refused by --per-source) has its own: at
 * most 10 lines in 5 s, then one line "N more connections ended in an
 * error in the last S s" (or "closed idle (--idle-timeout)", "refused
 * (--per-source)").  The parent calls conn_lines_open before it forks the
 * first child or worker (if it cannot map the shared memory, it says so
 * and every line is written), and conn_lines_tick in its loop: that
 * writes the counts whose window is over, and returns the earlier of wake
 * (0: none) and when to call it again (at most 5 s on, as a prefork
 * worker's lines never wake the parent).  The counts of windows still open
 * when the parent exits are written then.
 */
void conn_lines_open(void);
double conn_lines_tick(double wake);

#endif
