/*
 * conn: one accepted connection, and its service in the process that
 * serves it (a forked child, later a worker): echo until the peer's EOF,
 * then give up the socket.
 */
#ifndef FORKECHOD_CONN_H
#define FORKECHOD_CONN_H

#include "addr.h"

struct conn {
	int fd;			/* the accepted socket */
	unsigned long id;	/* connection number, from 1 */
	struct addr peer;	/* the client's address */
	double accepted;	/* monotime_now() at accept */
};

/*
 * Serves c and closes c->fd.  Logs an error (a reset peer), and with
 * verbosity > 0 the connection's end.  Returns the exit status a child
 * should end with: 0, or 1 if the connection ended in an error.
 */
int conn_serve(const struct conn *c, int verbosity);

#endif
