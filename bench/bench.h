/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * bench: what forkecho-bench's modules share: the modes, the ways a
 * session ends, the kinds of error, a run's settings and its result, and
 * the names the options read and the output prints.  See forkecho-bench(1).
 */
#ifndef FORKECHO_BENCH_BENCH_H
#define FORKECHO_BENCH_BENCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum bench_mode {
	BENCH_SESSIONS,		/* connect, send, half-close, read to EOF */
	BENCH_BULK,		/* one long stream per connection */
	BENCH_RTT		/* ping-pong on long-lived connections */
};

/* How a session ends once its message is sent (sessions mode). */
enum bench_close {
	BENCH_CLOSE_SHUTDOWN,	/* half-close, read the echo to EOF, check */
	BENCH_CLOSE_CLOSE,	/* close(2) at once, the echo unread */
	BENCH_CLOSE_LINGER0,	/* abort: SO_LINGER {1, 0}, close(2): RST */
	BENCH_CLOSE_MIXED,	/* each session one of the three above */
	BENCH_CLOSE_WAYS = BENCH_CLOSE_MIXED	/* the real ways */
};

/* The kinds of error a run counts, in the order the output gives them. */
enum bench_error {
	BENCH_ERR_CONNECT,	/* socket, bind or connect failed or hung */
	BENCH_ERR_RESET,	/* reset or otherwise broken connection */
	BENCH_ERR_MISMATCH,	/* a byte came back changed, or too many */
	BENCH_ERR_SHORT,	/* EOF before everything came back */
	BENCH_ERR_TIMEOUT,	/* no progress within the wait */
	BENCH_ERR_KINDS
};

/* Limits of the options, as forkecho-bench(1) gives them. */
#define BENCH_CONCURRENCY_MAX 4096
#define BENCH_SIZE_MAX ((size_t)16 * 1024 * 1024)
#define BENCH_DURATION_MAX 3600.0
#define BENCH_COUNT_MAX 1000000000UL
/* A day: longer is a typo, and keeps poll()'s milliseconds in an int. */
#define BENCH_WAIT_MAX 86400.0
/* Latency samples kept; beyond, a uniform sample of them all. */
#define BENCH_SAMPLES_MAX 1000000

struct bench_config {
	enum bench_mode mode;
	struct addr server;	/* from loadgen_resolve */
	const char *host;	/* as the user wrote them, for messages */
	const char *port;
	unsigned concurrency;	/* connections in flight at once */
	size_t size;		/* message (sessions, rtt) or write chunk
				 * (bulk) in bytes; with size_min, the
				 * largest session */
	size_t size_min;	/* sessions: 0, or the smallest session of
				 * a range; each session's size is then
				 * drawn from size_min to size, as many of
				 * each power of two as of the next */
	enum bench_close close;	/* sessions: how each one ends */
	double duration;	/* no operation starts after this, seconds */
	uint64_t count;		/* sessions or round trips in all, or MiB
				 * per bulk stream; 0: no bound */
	double wait;		/* a connection with no progress this long
				 * is dropped, seconds, more than 0 */
	const char *wait_text;	/* the wait as the user wrote it */
	/* Set by a signal handler: end the run as at the deadline.  May be
	 * NULL. */
	const volatile sig_atomic_t *stop;
};

struct bench_result {
	double elapsed;		/* from the first connect to the end */
	uint64_t ops;		/* sessions, round trips, or bulk streams
				 * that ended cleanly */
	uint64_t closes[BENCH_CLOSE_WAYS];	/* sessions: of ops, those
				 * that ended each way; the shutdown
				 * ones had their whole echo checked */
	uint64_t bytes;		/* bytes that came back and were checked */
	uint64_t connections;	/* connections established */
	double p50, p99, max;	/* latency in seconds, 0 without samples */
	uint64_t errors;	/* the sum of error_kinds */
	uint64_t error_kinds[BENCH_ERR_KINDS];
};

/* Reads a mode name (sessions, bulk, rtt).  Returns 0, or -1. */
int bench_parse_mode(const char *text, enum bench_mode *out);

/* The name of a mode, as bench_parse_mode reads it. */
const char *bench_mode_name(enum bench_mode mode);

/* Reads a close name (shutdown, close, linger0, mixed).  Returns 0, or
 * -1. */
int bench_parse_close(const char *text, enum bench_close *out);

/* The name of a way to end, as bench_parse_close reads it. */
const char *bench_close_name(enum bench_close how);

/* The name of an error kind, as the output prints it ("mismatch"). */
const char *bench_error_name(enum bench_error kind);

#endif
