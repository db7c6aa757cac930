/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * children: the fork model's table of the children it has forked, one
 * per connection.
 */
#ifndef FORKECHOD_CHILDREN_H
#define FORKECHOD_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

struct child {
	pid_t pid;
	unsigned long conn;	/* connection number, from 1 */
	double started;		/* monotime_now() at fork */
	struct addr peer;	/* the client, for --per-source */
};

struct children {
	struct child *slot;	/* count entries in use, unordered */
	size_t count;
	size_t cap;
};

/* Allocates room for cap children, once: the table never grows, so a
 * flood of connections cannot make the parent allocate.  Returns 0 or -1
 * with errno. */
int children_init(struct children *cs, size_t cap);
void children_free(struct children *cs);

/* Makes room for cap children (a larger --max-children after SIGHUP);
 * never shrinks.  Returns 0 or -1 with errno, the table unchanged. */
int children_grow(struct children *cs, size_t cap);

/* Records a new child; the caller keeps count < cap. */
void children_add(struct children *cs, pid_t pid, unsigned long conn,
    double started, const struct addr *peer);

/* How many children serve a client on peer's host. */
size_t children_from(const struct children *cs, const struct addr *peer);

/* The child pid has been reaped: takes it out of the table into *out.
 * Returns 1, or 0 if the table did not know it. */
int children_remove(struct children *cs, pid_t pid, struct child *out);

/* Sends sig to every child. */
void children_signal(const struct children *cs, int sig);

#endif
