/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * traceview: the lane view of forkechod's trace, one row per event: the
 * time, the parent's lane, one lane for every child and worker, what went
 * on the wire, and the TCP state with the reason.  The one formatter of
 * it: forkechod --trace prints these rows as it goes, forktrace --text
 * prints them again from a JSON trace, and the two agree to the byte.
 */
#ifndef FORKECHO_TRACEVIEW_H
#define FORKECHO_TRACEVIEW_H

#include "textrow.h"
#include "traceevent.h"

/* Column widths (display columns, not bytes): a process's lane, and the
 * wire column. */
#define TRACEVIEW_LANE_WIDTH 30
#define TRACEVIEW_WIRE_WIDTH 7

/* The two lines above the rows (the legend and the column heads),
 * newlines included, in r. */
void traceview_head(struct textrow *r);

/* The event's row, newline included, in r. */
void traceview_row(const struct traceevent *ev, struct textrow *r);

#endif
