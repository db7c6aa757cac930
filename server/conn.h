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
 * an error (a reset peer), within the limit that conn_errors_open sets,
 * and a connection ended for being idle; with verbosity > 0 every error
 * and every connection's end.  Returns 0, or 1
 * if the connection ended in an error (a child's exit status).
 */
int conn_serve(const struct conn *c, const struct conn_rules *r);

/* --per-source: turns c away because its host has limit connections
 * already.  The client gets one line, the socket is closed without waiting
 * on a client that does not read, and with verbosity >= 0 it is logged. */
void conn_refuse_source(const struct conn *c, unsigned long limit,
    int verbosity);

/*
 * The limit on error lines at the default verbosity, shared by every
 * process that serves connections: at most 10 in 5 s, then one line
 * "N more connections ended in an error in the last S s".  The parent
 * calls conn_errors_open before it forks the first child or worker (if it
 * cannot map the shared memory, it says so and every error is logged),
 * and conn_errors_tick in its loop: that writes a count whose window is
 * over, and returns the earlier of wake and when to call it again (at most
 * 5 s on, as a prefork worker's errors never wake the parent).  The count
 * of a window still open when the parent exits is written then.
 */
void conn_errors_open(void);
double conn_errors_tick(double wake);

#endif
