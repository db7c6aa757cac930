/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * counter: a number that the processes of a prefork pool draw from
 * together, so that connections accepted by different workers still get
 * one numbering (1, 2, 3, ...), as in the fork model.
 *
 * It lives in a page of memory shared across fork() and is drawn from
 * with an atomic add: no system call, no lock.
 */
#ifndef FORKECHOD_COUNTER_H
#define FORKECHOD_COUNTER_H

#include <stddef.h>

struct counter;

/* Maps a shared page holding 1, before the pool forks.  Returns it, or
 * NULL with the failing call in err. */
struct counter *counter_create(char *err, size_t errlen);

/* The next number; safe in any process that inherited the counter. */
unsigned long counter_next(struct counter *c);

void counter_destroy(struct counter *c);

#endif
