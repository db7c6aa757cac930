/*
 * listeners: the server's listening sockets.
 */
#ifndef FORKECHOD_LISTENERS_H
#define FORKECHOD_LISTENERS_H

#include <stddef.h>

#include "options.h"

struct listeners {
	int fd[OPTIONS_MAX_LISTEN];
	char where[OPTIONS_MAX_LISTEN][ADDR_TEXT_MAX];	/* "ADDR PORT" */
	int count;
};

/* Opens a socket for each configured address.  Returns 0, or -1 with the
 * failing call and address in err, having closed what it opened. */
int listeners_open(struct listeners *ls, const struct server_config *cfg,
    char *err, size_t errlen);

/*
 * systemd socket activation: if LISTEN_PID names this process, takes the
 * LISTEN_FDS listening sockets passed from descriptor 3 on (making them
 * non-blocking and close-on-exec), and unsets LISTEN_* so that children
 * do not take them for their own.  Returns 1 if it took them, 0 if there
 * was nothing to take, -1 with the reason in err (a descriptor that is not
 * a listening stream socket, a bad count).
 */
int listeners_inherit(struct listeners *ls, char *err, size_t errlen);

/* Writes one "listening on ADDR PORT" line per socket to standard output
 * and flushes: the readiness signal scripts wait for. */
int listeners_announce(const struct listeners *ls);

/* Closes every listening socket (in a child, or to stop accepting). */
void listeners_close(struct listeners *ls);

#endif
