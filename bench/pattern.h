/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * pattern: the bytes forkecho-bench sends, and the hash that picks them.
 *
 * Every byte sent comes from one table: PATTERN_PERIOD pseudo-random
 * bytes, repeated.  Byte k of an operation or stream that starts at
 * origin o is pattern[(o + k) % PATTERN_PERIOD], and each operation or
 * stream has its own origin.  So a byte that is changed, lost,
 * duplicated or moved shows up as a difference at its place, unless a
 * whole multiple of the period moved; the period is a prime, which no
 * socket buffer or write size is a multiple of, and a lost or duplicated
 * period changes the total, which is checked at the end too.  The table
 * goes on past the period with a copy of its start as long as the longest
 * window sent or read at once, so that every window is contiguous: sent
 * straight from the table, compared with one memcmp().
 */
#ifndef FORKECHO_BENCH_PATTERN_H
#define FORKECHO_BENCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_PERIOD ((size_t)1048573)

/* The splitmix64 finaliser: a good hash of a 64-bit number, for the
 * table, and for whatever a run draws from an operation's number. */
uint64_t pattern_hash(uint64_t x);

/* A new table, with window bytes past the period; free() it.  NULL
 * without memory. */
unsigned char *pattern_new(size_t window);

/* Where operation or stream number n starts in the table. */
size_t pattern_origin(uint64_t n);

/* The index in the table of byte offset of an operation or stream that
 * starts at origin. */
size_t pattern_at(size_t origin, uint64_t offset);

#endif
