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

/* Room for a why as a view shows it: the server's longest, translated
 * (a Chinese character takes three bytes). */
#define TRACEVIEW_WHY_MAX 1024

/* The two lines above the rows (the legend and the column heads),
 * newlines included, in r. */
void traceview_head(struct textrow *r);

/* The event's row, newline included, in r: the why in the user's
 * language (traceview_why). */
void traceview_row(const struct traceevent *ev, struct textrow *r);

/* The server's why (English, as the JSON has it) as a view shows it, in
 * the user's language: nls_why() (lib/nls.h), and for an error event
 * (err its errno name, "EPIPE"; NULL for any other event) whose why is
 * the C library's English words for that errno, the C library's own
 * words for it.  Returns why, or buf (len bytes) holding the
 * translation. */
const char *traceview_why(const char *why, const char *err, char *buf,
    size_t len);

#endif
