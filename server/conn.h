/*
 * conn: one accepted connection, and its service in the process that
 * serves it (a forked child, later a worker): echo until the peer's EOF,
 * then give up the socket.
 */
#ifndef FORKECHOD_CONN_H
#define FORKECHOD_CONN_H

#include "addr.h"
#include "choreo.h"
#include "trace.h"

struct conn {
	int fd;			/* the accepted socket */
	unsigned long id;	/* connection number, from 1 */
	struct addr peer;	/* the client's address */
	double accepted;	/* monotime_now() at accept */
};

/*
 * Serves c (whose socket is tc->fd) and gives the socket up, both as the
 * choreography ch says.  Logs an error (a reset peer), and with
 * verbosity > 0 the connection's end.  Returns 0, or 1 if the connection
 * ended in an error (a child's exit status).
 */
int conn_serve(const struct conn *c, const struct choreo *ch,
    struct trace_conn *tc, int verbosity);

#endif
