/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "bench.h"

#include <string.h>

static const char *const mode_names[] = {
	[BENCH_SESSIONS] = "sessions",
	[BENCH_BULK] = "bulk",
	[BENCH_RTT] = "rtt",
};

static const char *const close_names[] = {
	[BENCH_CLOSE_SHUTDOWN] = "shutdown",
	[BENCH_CLOSE_CLOSE] = "close",
	[BENCH_CLOSE_LINGER0] = "linger0",
	[BENCH_CLOSE_MIXED] = "mixed",
};

static const char *const error_names[] = {
	[BENCH_ERR_CONNECT] = "connect",
	[BENCH_ERR_RESET] = "reset",
	[BENCH_ERR_MISMATCH] = "mismatch",
	[BENCH_ERR_SHORT] = "short",
	[BENCH_ERR_TIMEOUT] = "timeout",
};

/* The index of text in names, or -1. */
static int
name_index(const char *const *names, size_t count, const char *text)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(text, names[i]) == 0)
			return (int)i;
	return -1;
}

int
bench_parse_mode(const char *text, enum bench_mode *out)
{
	int i = name_index(mode_names, sizeof mode_names / sizeof mode_names[0],
	    text);

	if (i < 0)
		return -1;
	*out = (enum bench_mode)i;
	return 0;
}

const char *
bench_mode_name(enum bench_mode mode)
{
	return mode_names[mode];
}

int
bench_parse_close(const char *text, enum bench_close *out)
{
	int i = name_index(close_names,
	    sizeof close_names / sizeof close_names[0], text);

	if (i < 0)
		return -1;
	*out = (enum bench_close)i;
	return 0;
}

const char *
bench_close_name(enum bench_close how)
{
	return close_names[how];
}

const char *
bench_error_name(enum bench_error kind)
{
	return error_names[kind];
}
