/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "monotime.h"

#include <limits.h>
#include <time.h>

double
monotime_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer; wall-clock jumps
	 * must not stretch or cut a deadline. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec *
monotime_until(double deadline, struct timespec *ts)
{
	double left;

	if (deadline <= 0)
		return NULL;
	left = deadline - monotime_now();
	if (left < 0)
		left = 0;
	ts->tv_sec = (time_t)left;
	ts->tv_nsec = (long)((left - (double)ts->tv_sec) * 1e9);
	return ts;
}

int
monotime_ms_until(double t, double now)
{
	double ms = (t - now) * 1000.0;

	if (ms <= 0)
		return 0;
	if (ms >= INT_MAX)
		return INT_MAX;
	return (int)ms + 1;
}

void
monotime_sleep(double secs)
{
	double until = monotime_now() + secs;
	struct timespec ts;

	/* nanosleep, not poll: POSIX, and a handler's EINTR only means
	 * "look at the clock again". */
	while (monotime_until(until, &ts) != NULL &&
	    (ts.tv_sec > 0 || ts.tv_nsec > 0))
		(void)nanosleep(&ts, NULL);
}
