/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "stats.h"

#include <stdlib.h>

#include "pattern.h"

void
stats_add(struct stats_samples *s, double x)
{
	s->seen++;
	if (x > s->max)
		s->max = x;
	if (s->len == s->cap && s->cap < BENCH_SAMPLES_MAX) {
		size_t cap = s->cap == 0 ? 4096 : s->cap * 2;
		double *v;

		if (cap > BENCH_SAMPLES_MAX)
			cap = BENCH_SAMPLES_MAX;
		/* Without memory the array stops growing, and the
		 * sampling below keeps what fits. */
		v = realloc(s->v, cap * sizeof *v);
		if (v != NULL) {
			s->v = v;
			s->cap = cap;
		}
	}
	if (s->len < s->cap) {
		s->v[s->len++] = x;
	} else if (s->len > 0) {
		/* Algorithm R: the new one replaces a kept one with
		 * probability len / seen, which keeps every latency seen
		 * so far equally likely to be in the array. */
		uint64_t j = pattern_hash(s->seen) % s->seen;

		if (j < s->len)
			s->v[j] = x;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile pct of n sorted values. */
static double
percentile(const double *sorted, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return sorted[rank > 0 ? rank - 1 : 0];
}

void
stats_finish(struct stats_samples *s, struct bench_result *res)
{
	res->max = s->max;
	if (s->len == 0)
		return;
	qsort(s->v, s->len, sizeof *s->v, cmp_double);
	res->p50 = percentile(s->v, s->len, 50);
	res->p99 = percentile(s->v, s->len, 99);
}

void
stats_free(struct stats_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->len = s->cap = 0;
}
