/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * stats: a run's latencies and their percentiles, in bounded memory.
 *
 * Every latency is kept up to BENCH_SAMPLES_MAX of them, then a uniform
 * sample of all of them (reservoir sampling), with the maximum kept
 * exact; the percentiles are nearest-rank, over what was kept.
 */
#ifndef FORKECHO_BENCH_STATS_H
#define FORKECHO_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"

struct stats_samples {
	double *v;
	size_t len, cap;
	uint64_t seen;
	double max;
};

/* Counts latency x, in seconds.  Without memory the array stops
 * growing, and the sample is drawn from what fits. */
void stats_add(struct stats_samples *s, double x);

/* Sorts what was kept and sets res's p50, p99 and max (0 without
 * samples). */
void stats_finish(struct stats_samples *s, struct bench_result *res);

/* Frees the samples. */
void stats_free(struct stats_samples *s);

#endif
