/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * passing: prefork's parent-accepts path (--accept-in parent).  The
 * parent accepts at most one connection per worker ahead.  With the trace
 * and the choreography off, it sends each into the one queue that every
 * idle worker reads (passq.h), and learns nothing more from the workers
 * than what that queue counts.  Otherwise it keeps them in its own queue
 * and passes each to an idle worker over the worker's UNIX socket
 * (SCM_RIGHTS); the worker says when it is done, and with the trace on
 * acknowledges each pass before the parent measures it.  The
 * channels are read here in either accept mode: where workers accept,
 * only their end of file comes, when a worker has gone.
 */
#ifndef FORKECHOD_PASSING_H
#define FORKECHOD_PASSING_H

#include <sys/select.h>

#include "pool.h"

/* Accepts from listener i while the queue has room.  The queue holds at
 * most one connection per worker; past it, clients wait in the listen
 * backlog, where the kernel keeps them. */
void passing_accept(struct pool *p, int i);

/* 1 while the queue has room for another connection. */
int passing_room(const struct pool *p);

/* Passes waiting connections, oldest first, while workers are idle. */
void passing_dispatch(struct pool *p);

/* Adds the channels worth waiting on to set. */
void passing_watch(struct pool *p, fd_set *set, int *maxfd);

/* Reads the channels that ready says are readable. */
void passing_ready(struct pool *p, const fd_set *ready);

/* Closes every connection in the parent's queue, which is emptied: in a
 * new worker, where they are not its own. */
void passing_drop_queue(struct pool *p);

/* The same, and every connection the workers have yet to take from the
 * shared queue: at the drain. */
void passing_drain(struct pool *p);

#endif
