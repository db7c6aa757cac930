/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * echocheck: whether bytes that came back from an echo server are the
 * bytes that were sent.
 *
 * forkecho compares its echo with the input it keeps; forkecho-bench
 * compares each connection's echo with the pattern it sent.  Both ask the
 * same question of each read: how far is it the echo it should be, and
 * where does it first go wrong?  A byte beyond those still expected
 * differs too: an echo cannot know it.
 */
#ifndef FORKECHO_ECHOCHECK_H
#define FORKECHO_ECHOCHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Compares the n bytes at got, just read, with the bytes at want, the
 * expected bytes still due, of which there are expected (want holds at
 * least the lesser of n and expected).  Returns how many leading bytes of
 * got are the right echo: n when all are; otherwise the index of the
 * first byte that differs, which is expected itself when every byte due
 * came back right and more followed.
 */
size_t echocheck_prefix(const void *got, size_t n, const void *want,
    uint64_t expected);

#endif
