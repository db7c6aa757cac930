/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * options: forkecho-bench's command line, the one table that names its
 * options, and the checks of options given together.
 *
 * The module reads argv into struct bench_options and refuses what
 * forkecho-bench(1) does not allow, with a message that names the input;
 * it prints nothing and never exits, so that main decides what to show
 * and how to end, and a fuzzer can call it.
 */
#ifndef FORKECHO_BENCH_OPTIONS_H
#define FORKECHO_BENCH_OPTIONS_H

#include <stddef.h>

#include "bench.h"
#include "opt.h"

struct bench_options {
	struct opt_endpoint to;	/* the server, from the operands */
	enum bench_mode mode;
	char mode_shown[80];	/* "-m rtt" as written, for refusals */
	unsigned long concurrency;
	double duration;
	unsigned long count;
	unsigned long size;	/* 0: the mode's default */
	unsigned long size_min;	/* 0, or the start of a MIN-MAX range */
	enum bench_close close;
	char close_shown[80];	/* "--close close", as written, or "" */
	double wait;
	const char *wait_text;	/* as written, for the error details */
	int json;
	int want_help;		/* -h: main prints the help */
	int want_version;	/* -V: main prints the version */
};

/* The table of options, ending with a NULL name. */
extern const struct opt_spec bench_options_table[];

/* The synopsis, as in forkecho-bench(1), in English: _() translates it. */
extern const char *const bench_options_usage;

/* Sets every option to its default. */
void bench_options_defaults(struct bench_options *o);

/*
 * Reads the options and operands of argv into o, which holds the
 * defaults.  Returns 0 to go on, 1 when -h or -V asks main to answer
 * (want_help or want_version says which; the rest of argv is left
 * unread), or -1 with a message naming the bad input in err.
 */
int bench_options_parse(int argc, char *argv[], struct bench_options *o,
    char *err, size_t errlen);

/*
 * Refuses options that make no sense with the mode, naming both.
 * Returns 0, or -1 with the message in err.
 */
int bench_options_check(const struct bench_options *o, char *err,
    size_t errlen);

/* The size a run sends: --size, or the mode's default. */
size_t bench_options_size(const struct bench_options *o);

#endif
