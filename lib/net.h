/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * net: socket setup for a listening server and a connecting client.
 *
 * Each function owns what it opens: on failure it closes it, writes a
 * message that names the call and the address to err, and returns -1.
 */
#ifndef FORKECHO_NET_H
#define FORKECHO_NET_H

#include <stddef.h>

#include "addr.h"

/*
 * socket, SO_REUSEADDR, bind and listen on a, non-blocking and
 * close-on-exec.  An IPv6 socket is IPv6-only, so that "[::]:7007" and
 * "0.0.0.0:7007" can be listened on side by side.  timeouts > 0: its
 * SO_RCVTIMEO and SO_SNDTIMEO, set before listen() so that every
 * accepted socket inherits them (docs/LINUX.md, L20); not for a socket
 * accept() blocks on, as they would end that accept() too.  Returns the
 * listening descriptor.
 */
int net_listen(const struct addr *a, int backlog, double timeouts,
    char *err, size_t errlen);

/*
 * The first half of net_listen: socket, the same options, and bind, but
 * no listen(), so that no client can connect.  Returns the bound, blocking
 * descriptor, which the caller closes; or -1 with errno set as well as err
 * (EADDRINUSE, say).  For checking that an address can be
 * listened on without serving it.
 */
int net_bind(const struct addr *a, char *err, size_t errlen);

/*
 * Resolves host and port, in family (AF_UNSPEC: any), and connects to the
 * first address that answers, giving up on each after timeout seconds
 * (0: no limit).  Returns a blocking, connected descriptor.
 */
int net_connect(const char *host, const char *port, int family,
    double timeout, char *err, size_t errlen);

/* Sets SO_LINGER {on, 0 s}: the next close of the last reference aborts
 * the connection with RST instead of FIN.  Returns 0, or -1 with errno. */
int net_set_linger_abort(int fd);

/* Why accept() on a non-blocking listener returned no connection. */
enum net_accept_miss {
	NET_ACCEPT_NONE,	/* EAGAIN: nothing waits (another took it) */
	NET_ACCEPT_GONE,	/* EINTR, ECONNABORTED, EPROTO: a client gave
				 * up, or a signal came: the next may wait */
	NET_ACCEPT_SHUT,	/* EINVAL: the listening socket is shut down
				 * and will never accept again */
	NET_ACCEPT_SCARCE	/* EMFILE, ENFILE, ENOBUFS, ENOMEM, ...: the
				 * client stays in the backlog, and trying
				 * again at once would spin */
};

enum net_accept_miss net_accept_miss(int err);

/* shutdown(SHUT_WR): sends FIN.  ENOTCONN counts as done: the peer has
 * reset the connection already, and the read that follows tells.
 * Returns 0, or -1 with errno. */
int net_half_close(int fd);

/* Sets or clears O_NONBLOCK.  Returns 0, or -1 with errno. */
int net_set_nonblock(int fd, int on);

/* SO_RCVTIMEO and SO_SNDTIMEO of fd: a blocking read() or write() gives
 * up with EAGAIN after secs without progress; secs <= 0: never.  Returns
 * 0, or -1 with errno. */
int net_set_timeouts(int fd, double secs);

#endif
