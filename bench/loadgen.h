/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * loadgen: load an echo server and measure it: the three modes of
 * forkecho-bench.
 *
 * A run keeps a number of connections in flight at once, all driven by
 * one poll(2) loop over non-blocking sockets, so that hundreds cost no
 * more than a few descriptors and a few bytes each.  Every byte sent
 * comes from the pattern (pattern.h), so that every byte that comes back
 * can be checked against the byte sent at that place without keeping a
 * copy of it; memory stays bounded whatever the run's length.
 *
 * The run counts what went wrong, by kind, and shows the first few
 * details on standard error (rate-limited); it prints no result and never
 * exits.  See forkecho-bench(1).
 */
#ifndef FORKECHO_BENCH_LOADGEN_H
#define FORKECHO_BENCH_LOADGEN_H

#include <stddef.h>

#include "addr.h"
#include "bench.h"

/* Resolves host and port to the first address they name, into out: a
 * run measures one server address (unlike forkecho, which tries each
 * address in turn).  Returns 0, or -1 with a message naming them in
 * err. */
int loadgen_resolve(const char *host, const char *port, struct addr *out,
    char *err, size_t errlen);

/*
 * Runs the benchmark that cfg describes and fills res.  Returns 0 when
 * the run took place, whatever its errors, or -1 with a message in err
 * when it could not (no memory, too few descriptors allowed, poll
 * failed).
 */
int loadgen_run(const struct bench_config *cfg, struct bench_result *res,
    char *err, size_t errlen);

#endif
