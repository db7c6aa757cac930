/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * model: a forkechod --trace-json file, read and checked, as the events
 * in file order and the processes (lanes) they happen in.  Both renderers
 * (svg, text) draw from this and from nothing else.
 *
 * The file is JSON Lines, one object per line, as forkechod writes it
 * (lib/traceevent.c; forkechod(8), "TRACE").  Every line is checked: a
 * line that is not a JSON object, an unknown event, a missing or
 * mistyped field is an error naming the file and the line.  Fields the
 * model does not know are ignored, so that the server may add some.
 */
#ifndef FORKTRACE_MODEL_H
#define FORKTRACE_MODEL_H

#include <stddef.h>

#include "traceevent.h"

enum model_kind {
	EV_LISTEN, EV_SPAWN, EV_ACCEPT, EV_FORK, EV_PASS, EV_EOF,
	EV_SHUTDOWN, EV_CLOSE, EV_ERROR, EV_EXIT, EV_REAP, EV_STOP, EV_DUP
};

enum model_role { ROLE_PARENT, ROLE_CHILD, ROLE_WORKER, ROLE_HELPER,
	ROLE_THREAD };

/* What an event put on the wire. */
enum model_wire {
	WIRE_ABSENT,	/* not a measured event: no "wire" field */
	WIRE_UNKNOWN,	/* "wire": null, the server could not tell */
	WIRE_NONE, WIRE_FIN, WIRE_RST
};

struct model_event {
	unsigned long line;	/* in the file, from 1 */
	double t;		/* seconds since the server started */
	long pid;
	enum model_role role;
	unsigned long number;	/* the writer's child or worker number */
	enum model_kind kind;
	unsigned long conn;	/* 0: none (a listening socket, or no socket) */
	int fd;			/* -1: none */
	int measured;		/* refs_before, refs, state and wire apply */
	int refs_before, refs;	/* -1: unknown (null) */
	char state[24];		/* TCP state after; "": unknown or absent */
	enum model_wire wire;
	char how[16];		/* shutdown: "SHUT_RD", ... */
	char call[32];		/* error: the failing call */
	char err[24];		/* error: the errno name */
	unsigned long worker;	/* spawn, pass, reap: the worker's number */
	long other_pid;		/* fork, reap: the child; spawn, pass, reap:
				 * the worker; 0: none */
	int has_status;
	int status;		/* exit: exit code; reap: wait status */
	char addr[64];		/* listen: "ADDR PORT" */
	double wall;		/* listen: the wall clock at t = 0, seconds
				 * since the epoch; 0: not in the trace */
	char peer[64];		/* accept: the client's "ADDR PORT"; "":
				 * not in the trace */
	char why[TRACEEVENT_WHY_MAX + 1];		/* the server's reason; "": none written */
	size_t lane;		/* the process that wrote it */
	size_t other_lane;	/* the process other_pid names, if any */
	size_t hold;		/* the writer's hold of conn that the event
				 * makes, uses or ends, or MODEL_NONE */
};

/* One process of the server: a lane of the diagram. */
struct model_lane {
	long pid;
	enum model_role role;
	unsigned long number;	/* child or worker number; 0 for the parent */
	size_t born;		/* the fork, spawn or first event; an index */
	size_t exited;		/* its exit event, or (size_t)-1 */
	size_t reaped;		/* the parent's reap of it, or (size_t)-1 */
	size_t stopped;		/* its stop event, or (size_t)-1 */
};

/* A stretch of time during which one process holds a descriptor of one
 * connection's socket (conn 0: a listening socket). */
struct model_hold {
	size_t lane;
	unsigned long conn;
	size_t from;		/* the event that gave it the descriptor */
	size_t to;		/* the event that took it away, or (size_t)-1:
				 * still held when the trace ends */
};

/* A TCP segment of one of the trace's connections, from a packet
 * capture (forktrace --wire; wire.h). */
struct model_seg {
	unsigned long record;	/* in the capture, from 1 */
	double t;		/* on the trace's clock: seconds since the
				 * server started */
	unsigned long conn;
	int to_server;		/* 1: the client sent it */
	unsigned flags;		/* PCAP_FIN, ... (pcap.h) */
	size_t len;		/* payload bytes */
	size_t after;		/* the event that sent it (a close's FIN or
				 * RST), which it is drawn after; or
				 * MODEL_NONE */
};

struct model {
	const char *path;	/* as given, for messages */
	struct model_event *ev;
	size_t nev, evcap;
	struct model_lane *lane;
	size_t nlane, lanecap;
	struct model_hold *hold;
	size_t nhold, holdcap;
	unsigned long nconn;	/* the highest connection number */
	struct model_seg *seg;	/* in capture order; none without --wire */
	size_t nseg;
	const char *wire_path;	/* the capture, or NULL */
};

#define MODEL_NONE ((size_t)-1)

/* What model_read returns besides 0. */
#define MODEL_EOPEN (-1)	/* the file cannot be opened */
#define MODEL_EDATA (-2)	/* a line is not a valid event */
#define MODEL_EREAD (-3)	/* reading failed */
#define MODEL_ENOMEM (-4)	/* out of memory */

/*
 * Reads path ("-" for standard input) into m, which must be zeroed.
 * Returns 0, or one of the codes above with a message in err:
 * "PATH: reason" or "PATH:LINE: reason".  m is to be freed with
 * model_free either way.
 */
int model_read(struct model *m, const char *path, char *err, size_t errlen);

void model_free(struct model *m);

/* The event's name as in the JSON ("close"). */
const char *model_kind_name(enum model_kind kind);

/* "parent", "child 2", "worker 1": the lane's name as data (Perfetto's
 * process names). */
void model_lane_name(const struct model_lane *l, char *buf, size_t len);

/* The same for a reader, in the user's language (the diagrams'
 * lanes). */
void model_lane_label(const struct model_lane *l, char *buf, size_t len);

#endif
