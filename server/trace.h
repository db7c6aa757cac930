/*
 * trace: every step a process takes with a connection's socket, with the
 * socket's real reference count, its TCP state and what went on the wire,
 * as a lane view on standard error (--trace) and as JSON Lines
 * (--trace-json).
 *
 * The process that acts measures: refs and state before the call, the
 * call, refs and state after.  Two things keep the record true to the
 * order of events (see docs/LINUX.md, P5):
 *  - a start gate: a new child waits until the parent has written its
 *    accept, fork and close events;
 *  - a per-connection lock (a POSIX record lock on one byte of a shared,
 *    unlinked file), held from the first measurement to the emitted line,
 *    so that a shutdown in one process cannot wake another into writing
 *    its event before the first has finished counting.
 * With the trace off none of this runs: the wrappers only make the call.
 */
#ifndef FORKECHOD_TRACE_H
#define FORKECHOD_TRACE_H

#include <stddef.h>
#include <sys/types.h>

#include "sockinfo.h"

enum trace_role { TRACE_PARENT, TRACE_CHILD, TRACE_WORKER };

/* What the trace keeps of one connection. */
struct trace_conn {
	unsigned long id;
	int fd;				/* the descriptor being traced */
	struct sockinfo_id sock;	/* found at accept, kept after close */
	int gate[2];			/* start gate, or -1 */
	int refs_at_fork;		/* measured just before fork() */
	int unsure;	/* passed and not acknowledged: a descriptor of it
			 * may be in flight, in no table, so /proc's count
			 * is too low; refs are then reported unknown */
};

/* Opens the outputs: human on stderr if human, JSON Lines on json_path
 * if not NULL ("-" for standard output).  Returns 0, or -1 with a message
 * naming the file in err. */
int trace_open(int human, const char *json_path, char *err, size_t errlen);

/* 1 if any trace output is on.  Cheap: a flag. */
int trace_enabled(void);

/* The role of this process, set once after fork. */
void trace_set_role(enum trace_role role, unsigned long number);

/* A listening socket is ready. */
void trace_listen(int fd, const char *where);

/* A connection was accepted on fd: identifies the socket and emits
 * "accept".  tc is filled in whatever the trace's state. */
void trace_accept(struct trace_conn *tc, unsigned long id, int fd);

/* Around fork(): before() measures and makes the gate; in the parent,
 * parent() measures again and emits "fork"; in the child, child() drops
 * the gate's write end.  With the trace off they do nothing. */
void trace_fork_before(struct trace_conn *tc);
void trace_fork_parent(struct trace_conn *tc, pid_t child);
void trace_fork_child(struct trace_conn *tc);

/* fork() failed: no child will pass the gate or take its place. */
void trace_fork_failed(struct trace_conn *tc);

/* The parent has written what it does right after fork: let the child
 * go.  The child waits for that in gate_wait(). */
void trace_gate_open(struct trace_conn *tc);
void trace_gate_wait(struct trace_conn *tc);

/* close(fd) and shutdown(fd, how), measured and emitted.  note, if not
 * NULL, says why the call is made ("SO_LINGER {1,0} set").  Return what
 * the call returned, with its errno. */
int trace_close(struct trace_conn *tc, const char *note);
int trace_shutdown(struct trace_conn *tc, int how, const char *note);

/* read() returned 0; note says what it means here. */
void trace_eof(struct trace_conn *tc, const char *note);

/* A call on the connection failed with err. */
void trace_error(struct trace_conn *tc, const char *call, int err);

/* A child leaves with status; the parent collected one. */
void trace_exit(struct trace_conn *tc, int status);
void trace_reap(unsigned long conn, pid_t pid, int status);

/* The classic server's child, about to leave: waits (at most a second)
 * until the parent sleeps in accept() again, so that the SIGCHLD the
 * exit raises finds it there, as in the eintr-accept lesson's story and
 * not by the luck of scheduling.  With the trace off, or where it cannot
 * be known, it returns at once. */
void trace_hold_until_parent_accepts(void);

/* --- prefork */

/* Fills tc for a listening socket (connection 0) and emits nothing, so
 * that trace_close and trace_shutdown can act on it. */
void trace_listener(struct trace_conn *tc, int fd);

/* Around the fork of prefork worker number: before() measures the
 * listening socket ltc (NULL: the workers hold none); spawn() in the
 * parent emits "spawn" with its refs after, N+1 once N workers hold it. */
void trace_spawn_before(struct trace_conn *ltc);
void trace_spawn(struct trace_conn *ltc, unsigned long worker, pid_t pid);
void trace_spawn_failed(void);

/* A worker received connection id's socket as fd: fills tc, emits
 * nothing (the parent's "pass" tells it). */
void trace_adopt(struct trace_conn *tc, unsigned long id, int fd);

/* Around handing tc's socket to worker number over SCM_RIGHTS: before()
 * measures; pass() measures again, once the worker has acknowledged
 * (a descriptor in flight is in no process's table), and emits "pass".
 * Without the acknowledgement (acked 0) nothing can be counted: refs are
 * unknown from then on. */
void trace_pass_before(struct trace_conn *tc);
void trace_pass(struct trace_conn *tc, unsigned long worker, pid_t pid,
    int acked);

/* A worker leaves; the parent collected one, and what it does next. */
void trace_worker_exit(int status, const char *why);
void trace_reap_worker(unsigned long worker, pid_t pid, int status,
    const char *next);

/* The server stops. */
void trace_stop(const char *why);

#endif
