/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "pattern.h"

#include <stdlib.h>

uint64_t
pattern_hash(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

unsigned char *
pattern_new(size_t window)
{
	unsigned char *p = malloc(PATTERN_PERIOD + window);
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < PATTERN_PERIOD; i++)
		p[i] = (unsigned char)(pattern_hash(i / 8) >> (i % 8 * 8));
	/* Byte by byte: the window may be longer than the period. */
	for (i = PATTERN_PERIOD; i < PATTERN_PERIOD + window; i++)
		p[i] = p[i - PATTERN_PERIOD];
	return p;
}

size_t
pattern_origin(uint64_t n)
{
	return (size_t)(pattern_hash(n) % PATTERN_PERIOD);
}

size_t
pattern_at(size_t origin, uint64_t offset)
{
	return (size_t)((origin + offset % PATTERN_PERIOD) % PATTERN_PERIOD);
}
