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

/* Writes one "listening on ADDR PORT" line per socket to standard output
 * and flushes: the readiness signal scripts wait for. */
int listeners_announce(const struct listeners *ls);

/* Closes every listening socket (in a child, or to stop accepting). */
void listeners_close(struct listeners *ls);

#endif
