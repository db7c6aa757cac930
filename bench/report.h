/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * report: a run's result as forkecho-bench prints it, and its exit
 * status, both made from the same counts.  See forkecho-bench(1),
 * OUTPUT and EXIT STATUS.
 */
#ifndef FORKECHO_BENCH_REPORT_H
#define FORKECHO_BENCH_REPORT_H

#include <stddef.h>

#include "bench.h"

/* Exit statuses (forkecho-bench(1), EXIT STATUS). */
#define REPORT_OK 0		/* an operation completed, and no error */
#define REPORT_ERRORS 1		/* an error of any kind, or nothing done */
#define REPORT_LOCAL 2		/* a local failure: memory, poll, output */
#define REPORT_CONNECT 5	/* not one connection could be made */
#define REPORT_USAGE 64		/* EX_USAGE */

/* The result as the one last line, without its newline: human-readable,
 * or with json one JSON object. */
void report_line(const struct bench_config *cfg,
    const struct bench_result *res, int json, char *buf, size_t len);

/* The error breakdown as a line, without its newline: "bench MODE
 * errors: connect N, reset N, mismatch N, short N, timeout N". */
void report_errors_line(const struct bench_config *cfg,
    const struct bench_result *res, char *buf, size_t len);

/* The exit status for res. */
int report_status(const struct bench_result *res);

#endif
