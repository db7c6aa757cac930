#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"

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
	if (rc < 0 && r->verbosity >= 0) {
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
