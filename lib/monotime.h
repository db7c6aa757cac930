/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/* monotime: seconds on the monotonic clock, for deadlines and durations. */
#ifndef FORKECHO_MONOTIME_H
#define FORKECHO_MONOTIME_H

#include <time.h>

double monotime_now(void);

/* The time from now until deadline (monotime), as a timeout for
 * pselect(); *ts is zero once the deadline has passed.  Returns ts, or
 * NULL (wait for ever) if deadline is 0. */
struct timespec *monotime_until(double deadline, struct timespec *ts);

/* The same as poll()'s timeout: milliseconds from now until t, rounded up
 * so that poll never wakes early; 0 once t has passed. */
int monotime_ms_until(double t, double now);

/* Sleeps secs seconds, however many signal handlers interrupt it. */
void monotime_sleep(double secs);

#endif
