/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * echo: the RFC 862 connection handler.  It knows nothing of processes:
 * the same loop serves a forked child or a prefork worker.  It knows
 * nothing of lessons either: whoever wants to act between its steps (the
 * close choreography, the trace) passes hooks.
 */
#ifndef FORKECHOD_ECHO_H
#define FORKECHOD_ECHO_H

enum echo_next { ECHO_GO_ON, ECHO_STOP };

struct echo_hooks {
	/* The next time on_deadline wants to run (monotime), or 0. */
	double (*deadline)(void *ctx);
	enum echo_next (*on_deadline)(void *ctx);
	/* After each chunk has been written back. */
	enum echo_next (*after_echo)(void *ctx, unsigned long long total);
	/* read() returned 0: ECHO_STOP if that is the end, ECHO_GO_ON if
	 * it is not (after shutdown(SHUT_RD) a 0 is not the peer's EOF). */
	enum echo_next (*on_zero_read)(void *ctx);
	/* Writing the echo failed with err: ECHO_STOP ends the loop with
	 * the error; ECHO_GO_ON reads on to EOF without writing again, as
	 * a server whose write side is shut down can still read (a
	 * half-close): what it reads is counted in bytes_in, not echoed. */
	enum echo_next (*on_write_error)(void *ctx, int err);
	void *ctx;
};

struct echo_stats {
	unsigned long long bytes_in;	/* read from the peer */
	unsigned long long bytes;	/* echoed back */
	int idle;			/* ended: silent for the idle time */
	const char *failed_call;	/* "read" or "write", after an error */
	int err;			/* its errno */
};

/*
 * Writes back every byte read from fd, in order, until the peer's EOF (or
 * a hook says stop).  hooks may be NULL: then the loop is nothing but
 * read() and write().  idle > 0 ends the loop (st->idle set) when the
 * peer has sent nothing for idle seconds, or not read for that long: the
 * socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO) measure it, so the
 * fast path gains no system call per chunk.  Returns 0 at the end, or -1
 * with failed_call and err set.
 */
int echo_run(int fd, double idle, const struct echo_hooks *hooks,
    struct echo_stats *st);

/*
 * The sockets accepted from now on already carry SO_RCVTIMEO and
 * SO_SNDTIMEO of idle seconds, set once on the listening sockets: on
 * Linux an accepted socket inherits them (docs/LINUX.md, L20).  echo_run
 * then sets nothing when its idle is the same: two system calls fewer a
 * connection.  idle <= 0: the listeners carry nothing (the default), and
 * echo_run sets the timeouts itself.  Called by the process that accepts,
 * before the connection's process or thread starts; atomic, for the
 * threads a re-read configuration finds serving.
 */
void echo_listener_timeouts(double idle);

#endif
