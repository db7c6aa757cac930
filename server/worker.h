/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * worker: a prefork worker, the process that serves one connection after
 * another for as long as the pool keeps it.  It either accepts on the
 * listening sockets it shares with the other workers, or receives each
 * socket from the parent over a UNIX socket (SCM_RIGHTS): from the one
 * queue all idle workers read (passq.h), or, with the trace or the
 * choreography on, over its own socket, and then tells the parent when
 * it is done.  Either way the connection is served by the same handler
 * as a forked child's (conn_serve).
 */
#ifndef FORKECHOD_WORKER_H
#define FORKECHOD_WORKER_H

#include <signal.h>

#include "addr.h"
#include "counter.h"
#include "listeners.h"
#include "options.h"
#include "passq.h"

/* A worker's exit status when accept() failed with EINVAL: the listening
 * socket is shut down (docs/LINUX.md, L11).  The parent does not replace
 * it: a new worker would fail the same way at once, a fork loop. */
#define WORKER_EXIT_LISTENER 3

/* The messages on a worker's UNIX socket, one SEQPACKET each. */
enum worker_msg_type {
	WMSG_PASS = 1,	/* parent: serve this socket (it comes along) */
	WMSG_ACK,	/* worker: received; only with the trace on */
	WMSG_GO,	/* parent: pass and close are traced, go on */
	WMSG_DONE,	/* worker: finished with conn, idle again */
	WMSG_LAST	/* worker: finished with conn (0: one from the
			 * shared queue), and leaving */
};

struct worker_msg {
	unsigned int type;
	unsigned long conn;	/* connection number */
	double accepted;	/* monotime_now() at the parent's accept */
	struct addr peer;	/* WMSG_PASS: the client, as accept() gave it */
};

struct worker_setup {
	const struct server_config *cfg;
	struct listeners *ls;	/* workers accept: the listeners; or NULL */
	int channel;		/* the worker's end of its socketpair */
	struct passq *queue;	/* the parent accepts, trace off: the queue
				 * every idle worker reads; or NULL */
	unsigned long number;	/* 1..N, kept by a replacement */
	struct counter *conn_ids;	/* workers accept: the numbering */
	const sigset_t *wait_mask;	/* for pselect() */
	double server_started;	/* monotime_now() at the server's start */
};

/* Serves until told to stop (SIGTERM, SIGHUP), until it has served
 * --max-requests-per-worker connections, or until it can no longer
 * accept; then exits.  The caller has closed what is not the worker's. */
_Noreturn void worker_run(const struct worker_setup *ws);

#endif
