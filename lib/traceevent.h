/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * traceevent: one event of forkechod's trace, the record that both of its
 * forms are made from: the JSON line the server writes (--trace-json,
 * here) and the lane view (--trace, and forktrace --text: traceview.h).
 * forkechod fills it from what it measured; forktrace fills it from the
 * JSON it reads back.  The words of "why" are the server's alone: the
 * record carries them, nothing here makes them up.
 */
#ifndef FORKECHO_TRACEEVENT_H
#define FORKECHO_TRACEEVENT_H

#include <stddef.h>

#include "textrow.h"

/* A helper is a process that a child or a worker forks for other work
 * (--helper): it serves no connection, it only inherits them. */
enum traceevent_role { TRACEEVENT_PARENT, TRACEEVENT_CHILD,
	TRACEEVENT_WORKER, TRACEEVENT_HELPER, TRACEEVENT_THREAD };

struct traceevent {
	double t;		/* seconds since the server started */
	long pid;		/* the process that wrote it */
	enum traceevent_role role;
	unsigned long number;	/* the writer's connection (child,
				 * helper, thread) or worker number; 0
				 * for the parent */
	long tid;		/* thread: the writer's thread id; 0: none */
	const char *name;	/* "accept", "close", ... */
	unsigned long conn;	/* 0: none */
	int fd;			/* -1: none */
	const char *how;	/* shutdown: "SHUT_RD", ...; or NULL */
	int measured;		/* refs, state and wire apply */
	int refs_before, refs;	/* -1: unknown */
	const char *state;	/* TCP state name; NULL: unknown or none */
	const char *wire;	/* "FIN", "RST", "none"; NULL: unknown */
	const char *call;	/* error: the failing call, or NULL */
	const char *err;	/* error: the errno name ("EPIPE") */
	unsigned long worker;	/* spawn, pass, reap: the worker; 0: none */
	long other_pid;		/* fork, reap: the child (the helper, when
				 * a child or worker wrote it); spawn, pass,
				 * reap: the worker; 0: none */
	int has_status;
	int status;		/* exit: exit code; reap: wait status */
	const char *addr;	/* listen: "ADDR PORT", or NULL */
	int port;		/* listen: the real port; -1: none */
	double wall;		/* listen: CLOCK_REALTIME at t = 0, seconds
				 * since the epoch, so that a packet capture's
				 * times can be put on the trace's clock;
				 * 0: none */
	const char *peer;	/* accept: the client's "ADDR PORT", to find
				 * the connection in a capture; or NULL */
	const char *why;	/* the server's reason, or NULL */
};

/* An event with nothing in it but its name: no connection, no fd, refs
 * unknown. */
void traceevent_init(struct traceevent *ev, const char *name);

/* The role's name in the JSON: "parent", "child", "worker", "helper",
 * "thread". */
const char *traceevent_role_name(enum traceevent_role role);

/* The name the JSON gives errno value err ("EPIPE"; "EOTHER" for one it
 * does not name). */
const char *traceevent_errno_name(int err);

/* The longest "why" a trace line carries, in bytes, and so the longest
 * a reader must take (forktrace's model). */
#define TRACEEVENT_WHY_MAX 383

/* The event as one line of JSON, newline included, in r (SPEC: "Seeing
 * it").  The line always fits and always reads back: a "why" longer
 * than TRACEEVENT_WHY_MAX is cut and ends in "...", a control character
 * in it becomes '?'; the other fields are short by nature. */
void traceevent_json(const struct traceevent *ev, struct textrow *r);

#endif
