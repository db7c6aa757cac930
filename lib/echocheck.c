/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "echocheck.h"

#include <string.h>

size_t
echocheck_prefix(const void *got, size_t n, const void *want,
    uint64_t expected)
{
	const unsigned char *g = got, *w = want;
	size_t k = expected < n ? (size_t)expected : n, i = 0;

	/* memcmp first: the echo is all but always right, and memcmp
	 * compares a word at a time where the loop below takes bytes. */
	if (memcmp(g, w, k) == 0)
		return k;
	while (g[i] == w[i])
		i++;
	return i;
}
