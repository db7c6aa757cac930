/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * pool: the prefork parent's table of its workers, as model_prefork.c
 * (which starts, reaps and replaces them) and passing.c (which passes
 * them the connections the parent accepts) share it.
 */
#ifndef FORKECHOD_POOL_H
#define FORKECHOD_POOL_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"
#include "conn.h"
#include "counter.h"
#include "passq.h"
#include "supervise.h"
#include "trace.h"

struct slot {
	pid_t pid;		/* 0: no worker now */
	unsigned long number;	/* 1..N, kept across replacements */
	int channel;		/* parent's end of the worker's socketpair */
	int busy;		/* serving conn (--accept-in parent) */
	int done_unread;	/* busy, and its DONE may wait unread */
	int retiring;		/* told to leave, or said LAST: gets no
				 * more connections */
	unsigned long conn;
	struct addr peer;	/* its client, for --per-source */
	double started;
	unsigned int quick_deaths;	/* in a row */
	double respawn_at;	/* 0: none due */
};

/* A connection the parent accepted that waits for an idle worker. */
struct waiting {
	struct conn c;
};

struct pool {
	struct supervisor *sv;
	const struct server_config *cfg;	/* sv->cfg */
	struct listeners *ls;		/* sv->ls */
	double started;
	struct slot *slot;
	size_t nslots;
	struct counter *conn_ids;	/* workers accept */
	unsigned long next_conn;	/* the parent accepts */
	struct waiting *queue;		/* FIFO, qlen from the front */
	struct passq *shared;		/* --accept-in parent, trace off:
					 * the queue every idle worker reads
					 * (passq.h), or NULL */
	size_t qlen, qcap;
	double listener_close_at;	/* --parent-close-listener, or 0 */
	int listener_dead;	/* a worker found it shut down */
};

#endif
