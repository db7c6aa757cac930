/* monotime: seconds on the monotonic clock, for deadlines and durations. */
#ifndef FORKECHO_MONOTIME_H
#define FORKECHO_MONOTIME_H

double monotime_now(void);

#endif
