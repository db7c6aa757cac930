#include "conn.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"

int
conn_serve(const struct conn *c, const struct choreo *ch,
    struct trace_conn *tc, int verbosity)
{
	unsigned long long bytes;
	const char *failed_call;
	char peer[ADDR_TEXT_MAX];
	int rc, err;

#ifndef __linux__
	/* BSDs pass the listener's O_NONBLOCK on to accepted sockets; the
	 * echo loop wants blocking reads.  Linux never does, so it is spared
	 * the two system calls. */
	(void)net_set_nonblock(c->fd, 0);
#endif
	rc = choreo_child_serve(ch, tc, &bytes, &failed_call, &err);
	/* The address is formatted only when a line is written: the common
	 * path stays free of it. */
	if (rc < 0 && verbosity >= 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_err(err, "connection %lu from %s: %s", c->id, peer,
		    failed_call);
	}
	if (verbosity > 0) {
		addr_text((const struct sockaddr *)&c->peer.ss, c->peer.len,
		    peer, sizeof peer);
		diag_msg("connection %lu from %s: pid %ld, %llu bytes echoed, "
		    "%s, %.3f s", c->id, peer, (long)getpid(), bytes,
		    rc == 0 ? "ended at the peer's EOF" : "ended in an error",
		    monotime_now() - c->accepted);
	}
	return rc == 0 ? 0 : 1;
}
