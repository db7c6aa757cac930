/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * session: one conversation with an echo server over a connected socket.
 *
 * The session sends its input, writes what comes back to an output
 * descriptor byte for byte, up to as many bytes as it sent, compares it
 * with what was sent, and ends as the close mode says.  It reads and
 * writes at the same time (poll(2) on a non-blocking socket), so that a
 * large input never deadlocks against its own echo.  It reports how the
 * connection ended, and, with keep_sending, what happened to each write
 * after the server's FIN, through a callback; it prints nothing and never
 * exits.
 */
#ifndef FORKECHO_CLIENT_SESSION_H
#define FORKECHO_CLIENT_SESSION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* What the client does once all its input is sent (--close). */
enum session_close {
	SESSION_CLOSE_SHUTDOWN,	/* shutdown(SHUT_WR), read to the EOF */
	SESSION_CLOSE_CLOSE,	/* close() at once */
	SESSION_CLOSE_LINGER0,	/* SO_LINGER {1,0}, close(): RST */
	SESSION_CLOSE_NONE	/* keep reading, without a half-close */
};

enum session_end {
	SESSION_FIN,		/* server's EOF once all input was sent; with
				 * keep_sending, also one before (fin_early)
				 * once the input ended without a reset */
	SESSION_EARLY_FIN,	/* server's EOF before the input ended */
	SESSION_RST,		/* connection reset by the server */
	SESSION_NO_FIN,		/* all echoed, but no EOF within the wait */
	SESSION_NO_PROGRESS,	/* nothing sent or echoed within the wait
				 * while bytes were unsent or not echoed */
	SESSION_STOPPED,	/* no progress within the wait after
				 * unexpected bytes: the client stopped
				 * reading */
	SESSION_CLIENT_CLOSED,	/* --close close or linger0 */
	SESSION_ERROR		/* a local failure, see call and err */
};

/* What the session reports as it happens (--keep-sending). */
enum session_event_kind {
	SESSION_EV_FIN,		/* the server's FIN, before the input ended */
	SESSION_EV_WRITE,	/* a write after the FIN, or one that failed */
	SESSION_EV_RESET	/* an RST seen by a read or a socket error */
};

struct session_event {
	enum session_event_kind kind;
	double elapsed;		/* seconds since the connection was made */
	size_t bytes;		/* WRITE: bytes accepted, or tried */
	int after_fin;		/* WRITE: made after the server's FIN */
	int err;		/* WRITE: 0 if accepted, else its errno;
				 * RESET: the errno the kernel gave */
	int by_read;		/* RESET: a read failed with err (else it
				 * was the socket's pending error) */
};

struct session_config {
	struct input *input;
	int out_fd;		/* where the echo goes */
	double interval;	/* pause between units, 0 for none */
	enum session_close close_mode;
	double wait;		/* for the server's EOF, and for progress
				 * while bytes are unsent or not echoed, or
				 * once unexpected bytes came; 0: no limit */
	int keep_sending;	/* go on sending after the server's FIN,
				 * until a write fails or the input ends */
	/* A slow reader: nothing is read for read_delay seconds from the
	 * start, or until *read_release (if not NULL) turns non-zero, say
	 * from a signal handler.  Sending goes on meanwhile, as far as the
	 * memory bound allows, and the wait starts when reading does. */
	double read_delay;
	const volatile sig_atomic_t *read_release;
	/* Called for each event when keep_sending is set; may be NULL. */
	void (*report)(const struct session_event *ev, void *ctx);
	void *report_ctx;
};

struct session_result {
	enum session_end end;
	uint64_t sent;		/* bytes written to the socket */
	uint64_t received;	/* bytes read from it */
	uint64_t unexpected;	/* of those, the bytes that came when all
				 * sent had come back: not an echo, and not
				 * written to the output */
	double elapsed;		/* seconds from the start to the end */
	int differs;		/* the echo differs from what was sent */
	uint64_t differs_at;	/* its first differing byte, from 1 */
	int fin_early;		/* keep_sending: the server's FIN came
				 * before the input ended */
	double fin_elapsed;	/* fin_early: when, from the start */
	uint64_t after_fin;	/* fin_early: bytes sent after the FIN */
	const char *call;	/* SESSION_ERROR: what failed */
	int on_socket;		/* SESSION_ERROR: call was on the socket */
	int err;		/* SESSION_ERROR: its errno */
};

/*
 * Runs the session on the connected socket fd, taking ownership of it: fd
 * is closed when the function returns.  started is the monotonic time the
 * connection was established; elapsed is counted from it.  Returns 0 with
 * res filled, or -1 with errno if the session could not start (no
 * memory).
 */
int session_run(int fd, const struct session_config *cfg, double started,
    struct session_result *res);

#endif
