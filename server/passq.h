/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * passq: the one queue that every idle worker of a parent-accepting pool
 * reads (--accept-in parent, trace off, no choreography).
 *
 * The parent sends each connection it accepts into one SOCK_SEQPACKET
 * socket pair (SCM_RIGHTS); the workers all hold the other end, and the
 * kernel gives each message to exactly one of them.  A worker that
 * finishes takes the next connection itself, without a word to the
 * parent: that word (DONE) and the parent's wake-up for it were a third
 * of the calls a connection cost (docs/PERFORMANCE.md).
 *
 * What the parent still needs to know lives in shared memory: how many
 * connections are queued (passed less taken), so that the queue stays
 * bounded, and which entries are queued or being served and by whom, for
 * --per-source and for a worker that dies.  A full queue stops the
 * parent's accept(); a worker wakes it again through a pipe, once the
 * queue is down to half, so that the parent wakes once for a batch of
 * connections, not once for each.
 */
#ifndef FORKECHOD_PASSQ_H
#define FORKECHOD_PASSQ_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"
#include "conn.h"

struct passq;

/* What travels with each connection. */
struct passq_item {
	unsigned long conn;	/* connection number */
	double accepted;	/* monotime_now() at the parent's accept */
	struct addr peer;	/* the client, as accept() gave it */
	size_t entry;		/* its entry in the shared table */
};

/* A queue of at most cap connections for a pool of workers numbered 1 to
 * workers.  Returns it, or NULL with the failing call in err. */
struct passq *passq_create(size_t workers, size_t cap, char *err,
    size_t errlen);

/* Closes the parent's ends and unmaps the table; queued connections are
 * closed by the kernel with the last end.  NULL is ignored. */
void passq_destroy(struct passq *q);

/* Connections sent and not yet taken by a worker (the parent's bound; a
 * worker's hint that a receive would find nothing). */
size_t passq_waiting(const struct passq *q);

/* --- the parent */

/* Sends c (its descriptor goes along; the caller still closes its own).
 * Returns 0, or -1 with errno. */
int passq_put(struct passq *q, const struct conn *c);

/* The parent can accept no more while limit connections wait here: asks
 * the worker that brings the queue down to half to write to
 * passq_wake_fd().  Returns 1 if they still wait (wait for that
 * descriptor), 0 if a worker took one meanwhile. */
int passq_arm(struct passq *q, size_t limit);

/* The descriptor a worker writes to when the parent may accept again;
 * passq_woken() empties it. */
int passq_wake_fd(const struct passq *q);
void passq_woken(struct passq *q);

/* Connections from peer's host that are queued or being served. */
unsigned long passq_from_host(const struct passq *q, const struct addr *peer);

/* 1 while worker number serves a connection it took from the queue. */
int passq_serving(const struct passq *q, unsigned long number);

/* Worker number has gone: what it was serving is over. */
void passq_worker_gone(struct passq *q, unsigned long number);

/* After a worker died while taking a connection: gives back the place
 * of one it took out of the socket and never counted.  Returns 1 if it
 * cannot tell yet (connections wait, or a worker is taking one): call it
 * again a little later; 0 when all is counted. */
int passq_recount(struct passq *q);

/* Takes every queued connection out and closes it: at the drain. */
void passq_drop(struct passq *q);

/* --- a worker */

/* In a new worker: closes the parent's ends, keeping the one to read. */
void passq_in_worker(struct passq *q);

/* The descriptor idle workers wait on. */
int passq_fd(const struct passq *q);

/* Takes the next connection without waiting: returns 1 with *it and *fd,
 * 0 if the parent has gone, or -1 with errno (EAGAIN: nothing queued;
 * EMSGSIZE: connection it->conn was taken, but its descriptor could not
 * be received, and is lost; EBADMSG: a message that was not a
 * connection, dropped). */
int passq_take(struct passq *q, unsigned long number, struct passq_item *it,
    int *fd);

/* The connection taken as it is served. */
void passq_done(struct passq *q, unsigned long number,
    const struct passq_item *it);

#endif
