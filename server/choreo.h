/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * choreo: the close choreography.  Who closes or shuts down which copy of
 * an accepted socket, and when, as data that the parent and the child
 * carry out.  The echo loop knows nothing of it: the child's side plugs
 * in through the loop's generic hooks, the parent's side is a table of the
 * copies it still holds, each with its deadlines.
 */
#ifndef FORKECHOD_CHOREO_H
#define FORKECHOD_CHOREO_H

#include <stddef.h>
#include <sys/types.h>

#include "echo.h"

enum parent_close { PCLOSE_NOW, PCLOSE_EXIT, PCLOSE_NEVER, PCLOSE_AFTER };
enum parent_after_close { PAFTER_NONE, PAFTER_READ };
enum child_when { CWHEN_NONE, CWHEN_SECS, CWHEN_FIRST, CWHEN_EOF };
enum child_end { CEND_EOF, CEND_FIRST };
enum child_close { CCLOSE_NORMAL, CCLOSE_LINGER0, CCLOSE_UNREAD,
	CCLOSE_SHUTDOWN };
enum helper_does { HELPER_HOLD, HELPER_CLOSE, HELPER_SHUTDOWN, HELPER_EXEC };
enum child_epipe { CEPIPE_CLOSE, CEPIPE_READ_ON };

struct choreo {
	enum parent_close parent_close;
	double parent_close_secs;	/* PCLOSE_AFTER */
	/* After its close at once, the parent reads its closed descriptor
	 * once (EBADF), to show that its copy is gone and the child's is
	 * not. */
	enum parent_after_close parent_after_close;
	int parent_shutdown_how;	/* SHUT_RD, SHUT_WR, SHUT_RDWR or -1 */
	double parent_shutdown_secs;
	int child_shutdown_how;		/* -1: none */
	enum child_when child_shutdown_when;
	double child_shutdown_secs;
	enum child_end child_end;
	enum child_close child_close;
	/* An echo write that fails with EPIPE (the write side was shut
	 * down): end and close, or read on to EOF, counting. */
	enum child_epipe child_epipe;
	/* --helper: after its first echo the child (or worker) forks a
	 * helper that lives this long; <0: none.  What the helper does
	 * with the copy it inherits. */
	double helper_secs;
	enum helper_does helper_does;
	/* --cloexec: the child marks its copy close-on-exec first thing,
	 * as accept4(SOCK_CLOEXEC) would have. */
	int cloexec;
	/* --child-dup: the child dup()s its copy first thing and closes
	 * the duplicate this long after its own close; <0: no dup. */
	double child_dup_secs;
	/* The listening socket (prefork with workers accepting). */
	double listener_close_secs;	/* parent closes its copy; <0: no */
	int listener_shutdown_how;	/* first worker's shutdown, or -1 */
	double listener_shutdown_secs;
};

void choreo_defaults(struct choreo *ch);

/* Parsers for the option values; on error -1 with what is allowed in
 * err (callers prefix the option's name). */
int choreo_parse_parent_close(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_parent_after_close(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_parent_shutdown(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_child_shutdown(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_child_end(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_child_close(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_child_epipe(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_helper(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_helper_does(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_cloexec(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_child_dup(struct choreo *ch, const char *value,
    char *err, size_t errlen);

int choreo_parse_listener_close(struct choreo *ch, const char *value,
    char *err, size_t errlen);
int choreo_parse_listener_shutdown(struct choreo *ch, const char *value,
    char *err, size_t errlen);

/* Refuses settings that contradict each other, naming both. */
int choreo_check(const struct choreo *ch, char *err, size_t errlen);

/* 1 if the child must run the echo loop with hooks (anything but the
 * plain "echo to EOF, then close"). */
int choreo_child_acts(const struct choreo *ch);

/* --- the acts */

/* close(fd) and shutdown(fd, how) of connection conn's socket (0: a
 * listening socket), as the choreography makes them, with the trace
 * looking on when it is on.  note says why ("at EOF"), for the trace.
 * They return what the call returned, with its errno. */
int choreo_close(unsigned long conn, int fd, const char *note);
int choreo_shutdown(unsigned long conn, int fd, int how, const char *note);

/*
 * One descriptor table (the threads model): a descriptor closed by one
 * thread is a free number at once, which the next accept() or open() in
 * any thread may hand out again.  A model whose threads share the table
 * sets choreo_guard; choreo_close and choreo_shutdown of a connection
 * (conn > 0) then call enter() first, which takes the guard's lock and
 * says whether fd still names connection conn's socket (0), or has been
 * closed already (-1: the call is not made and fails with EBADF, and the
 * trace says so), and leave() after, which is told whether a close was
 * made, and lets the lock go.  NULL (the processes' models): nothing to
 * guard, each process has its own table.
 */
struct choreo_guard {
	int (*enter)(void *ctx, unsigned long conn, int fd);
	void (*leave)(void *ctx, unsigned long conn, int fd, int closed);
	void *ctx;
};
extern const struct choreo_guard *choreo_guard;

/* --- the parent's side: copies it still holds */

struct held_copy {
	int fd;			/* the parent's copy */
	unsigned long conn;
	pid_t child;
	int child_gone;		/* reaped */
	double shutdown_at;	/* 0: none (or done) */
	double close_at;	/* 0: not by time */
};

struct held_table {
	struct held_copy *slot;
	size_t count, cap;
};

/* At most cap copies are ever held: a server told never to close still
 * has a bound (past it, the oldest copy is let go, with a log line). */
int choreo_held_init(struct held_table *ht, size_t cap);
void choreo_held_free(struct held_table *ht);

/* Right after fork (or the pass to a worker), in the parent: 1 if the
 * choreography keeps the parent's copy fd of connection conn, which is
 * then the table's to close when it is due; 0 if the parent is to close
 * it now.  accepted is the accept's time. */
int choreo_parent_keeps(const struct choreo *ch, struct held_table *ht,
    unsigned long conn, int fd, pid_t child, double accepted);

/* Right after fork (or the pass), when choreo_parent_keeps said 0: the
 * parent closes its copy fd of connection conn, and with
 * --parent-after-close read tries one read() on it. */
void choreo_parent_let_go(const struct choreo *ch, unsigned long conn,
    int fd);

/* The earliest deadline in the table, or 0 for none. */
double choreo_held_next(const struct held_table *ht);

/* Carries out what is due at now. */
void choreo_held_run(const struct choreo *ch, struct held_table *ht,
    double now);

/* The child was reaped: copies held until then are closed. */
void choreo_held_reaped(const struct choreo *ch, struct held_table *ht,
    pid_t child);

/* A prefork worker is done with connection conn (it said so, or it
 * died): a copy held until then is closed, as at a child's reaping. */
void choreo_held_served(const struct choreo *ch, struct held_table *ht,
    unsigned long conn);

/* Closes the parent's copies (never used again) in a new process. */
void choreo_held_forget(struct held_table *ht);

/* The server stops: every copy still held is closed. */
void choreo_held_release(struct held_table *ht);

/* --- the child's side */

/*
 * Serves connection conn on fd with the echo loop (idle as echo_run takes
 * it) and the choreography's hooks, then gives up the child's copy as the
 * choreography says.  Returns 0 at a clean end, or -1 with
 * st->failed_call and st->err set; st also says what was echoed and
 * whether the connection ended idle.
 */
int choreo_child_serve(const struct choreo *ch, unsigned long conn, int fd,
    double idle, struct echo_stats *st);

#endif
