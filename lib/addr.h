/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * addr: socket addresses as users write them and as logs print them.
 */
#ifndef FORKECHO_ADDR_H
#define FORKECHO_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Longest numeric "ADDR PORT" text, with its NUL. */
#define ADDR_TEXT_MAX 64

/*
 * Parses "HOST:PORT", "[IPV6]:PORT" or "HOST" (then PORT is default_port)
 * into a passive address for bind().  HOST may be a name; it is resolved
 * once, here, and the first address is used.  Returns 0, or -1 with a
 * message naming the input in err.
 */
int addr_parse_listen(const char *text, const char *default_port,
    struct addr *out, char *err, size_t errlen);

/*
 * The first address host and port name (port numeric), for bind() if
 * passive, else for connect().  Returns 0, or -1 with the resolver's
 * reason (only) in err: callers say what they were resolving.
 */
int addr_resolve(const char *host, const char *port, int passive,
    struct addr *out, char *err, size_t errlen);

/* Writes the numeric host of sa to host and its port to *port; never does
 * a DNS lookup.  Returns 0, or -1 if the family is unknown. */
int addr_numeric(const struct sockaddr *sa, socklen_t len,
    char *host, size_t hostlen, unsigned *port);

/* "HOST PORT", numeric, for messages: the form the readiness line uses. */
void addr_text(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen);

/* 1 if a and b are the same host (family and address; ports aside). */
int addr_same_host(const struct addr *a, const struct addr *b);

#endif
