/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * trace: an observer of every step a process takes with a connection's
 * socket.  It records the socket's real reference count, its TCP state
 * and what went on the wire, as a lane view on standard error (--trace)
 * and as JSON Lines (--trace-json).  It acts on no socket itself: the
 * choreography makes the close() and shutdown() calls, and the trace
 * measures around them (measure before, the caller acts, measure after,
 * emit).
 *
 * Two things keep the record true to the order of events (see
 * docs/LINUX.md, P5, and docs/DESIGNS.md, "The trace"):
 *  - a start gate: a new child waits until the parent has written its
 *    accept, fork and close events;
 *  - a per-connection lock (a POSIX record lock on one byte of a shared,
 *    unlinked file), held from the first measurement to the emitted line,
 *    so that a shutdown in one process cannot wake another into writing
 *    its event before the first has finished counting.  A record lock
 *    belongs to a process and does not exclude its threads from each
 *    other (-m threads): a mutex of the process is taken with it.
 *
 * With the trace off none of this runs: every caller tests trace_active
 * (a plain global) before it calls a trace function on a connection.
 */
#ifndef FORKECHOD_TRACE_H
#define FORKECHOD_TRACE_H

#include <stddef.h>
#include <sys/types.h>

#include "sockinfo.h"

/* TRACE_HELPER: a process a child or worker forked for other work
 * (--helper); TRACE_THREAD: a connection's thread (-m threads). */
enum trace_role { TRACE_PARENT, TRACE_CHILD, TRACE_WORKER, TRACE_HELPER,
	TRACE_THREAD };

/* 1 while any trace output is on.  Set when trace_open has opened the
 * outputs; back to 0 should the only output fail. */
extern int trace_active;

/* What the kernel reports of a socket at one moment. */
struct trace_snapshot {
	int refs;			/* -1: unknown */
	enum sockinfo_state state;
	int unread;			/* bytes queued unread, -1: unknown */
	int unsent;	/* written, not yet acknowledged; -1: unknown */
	int linger_abort;		/* SO_LINGER {1,0}: 1, 0, -1 */
};

/* One measured act on a socket, from before the call to after it. */
struct trace_act {
	unsigned long conn;		/* 0: a listening socket */
	int fd;
	struct sockinfo_id sock;	/* found at accept, kept after close */
	int unsure;		/* refs cannot be known (see trace_pass) */
	struct trace_snapshot before;
};

/* Opens the outputs: human on stderr if human, JSON Lines on json_path
 * if not NULL ("-" for standard output).  Returns 0, or -1 with a message
 * naming the file in err. */
int trace_open(int human, const char *json_path, char *err, size_t errlen);

/* The role of this process, set once after fork. */
void trace_set_role(enum trace_role role, unsigned long number);

/* --- -m threads: one process, one descriptor table */

/* Before the first connection: every connection's socket has one
 * descriptor, which the threads share; what the trace knows of it is kept
 * until trace_join, whoever closes it. */
void trace_one_table(void);

/* In a connection's new thread: its role (thread, numbered by its
 * connection) and thread id, for this thread's events only. */
void trace_thread_start(unsigned long conn);

/* The main thread joined the thread of connection conn, which ended with
 * status: the trace forgets the connection. */
void trace_join(unsigned long conn, int status);

/* A listening socket is ready. */
void trace_listen(int fd, const char *where);

/* --- a connection's socket (conn 0: a listening socket) */

/* Connection conn was accepted on fd: identifies its socket, which the
 * trace remembers from then on, and emits "accept". */
void trace_accept(unsigned long conn, int fd);

/* A worker received connection conn's socket as fd: identifies it and
 * emits nothing (the parent's "pass" tells it). */
void trace_adopt(unsigned long conn, int fd);

/* Around fork() for connection conn: before() measures and makes the
 * start gate; in the parent, parent() measures again and emits "fork",
 * and gate_open() lets the child go once the parent has written what it
 * does right after fork; in the child, child() waits at the gate.  If
 * fork() failed, failed() takes the gate and the measure back. */
void trace_fork_before(unsigned long conn);
void trace_fork_parent(unsigned long conn, int fd, pid_t child);
void trace_gate_open(void);
void trace_fork_child(void);
void trace_fork_failed(unsigned long conn);

/* Around close(fd) or shutdown(fd, how) of connection conn's copy:
 * begin() takes the connection's lock and measures; the caller makes the
 * call; closed() or shut() measures again, explains it (note, if not
 * NULL, says why the call was made: "SO_LINGER {1,0} set"), emits and
 * lets the lock go.  They take the call's rc, and its errno as it is on
 * entry, and leave errno as they found it. */
void trace_act_begin(struct trace_act *a, unsigned long conn, int fd);
void trace_act_closed(struct trace_act *a, int rc, const char *note);
void trace_act_shut(struct trace_act *a, int how, int rc, const char *note);

/* Around dup(fd) of connection conn's copy: begin() as for a close;
 * dupped() takes the new descriptor (or -1 and errno), measures again
 * and emits "dup" on the new descriptor. */
void trace_act_dupped(struct trace_act *a, int newfd, const char *note);

/* A child or worker collected the helper it forked for connection conn
 * (pid, wait status): measured, since the helper's copies went with it. */
void trace_reap_helper(unsigned long conn, pid_t pid, int status);

/* read() on fd returned 0; note says what it means here. */
void trace_eof(unsigned long conn, int fd, const char *note);

/* A call on fd failed with err; note says what follows from it, or is
 * NULL for the error's own text. */
void trace_error(unsigned long conn, int fd, const char *call, int err,
    const char *note);

/* A child leaves with status; the parent collected one. */
void trace_exit(unsigned long conn, int status);
void trace_reap(unsigned long conn, pid_t pid, int status);

/* --- prefork */

/* Around the fork of prefork worker number: before() measures the
 * listening socket lfd (-1: the workers hold none); spawn() in the
 * parent emits "spawn" with its refs after, N+1 once N workers hold it. */
void trace_spawn_before(int lfd);
void trace_spawn(int lfd, unsigned long worker, pid_t pid);
void trace_spawn_failed(void);

/* Around handing connection conn's socket fd to worker number over
 * SCM_RIGHTS: before() measures; pass() measures again, once the worker
 * has acknowledged (a descriptor in flight is in no process's table),
 * and emits "pass".  Without the acknowledgement (acked 0) nothing can
 * be counted: refs are unknown from then on. */
void trace_pass_before(unsigned long conn);
void trace_pass(unsigned long conn, int fd, unsigned long worker,
    pid_t pid, int acked);

/* A worker leaves; the parent collected one, and what it does next. */
void trace_worker_exit(int status, const char *why);
void trace_reap_worker(unsigned long worker, pid_t pid, int status,
    const char *next);

/* The server stops. */
void trace_stop(const char *why);

#endif
