/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * render: the pictures and exports of a model.  Each writes to out and
 * returns 0, or -1 if writing failed (errno set by stdio).
 */
#ifndef FORKTRACE_RENDER_H
#define FORKTRACE_RENDER_H

#include <stdio.h>

#include "model.h"

/* The terminal lane view: the rows of forkechod --trace, by its own
 * formatter (lib/traceview.c), with the server's "why" from the JSON.
 * title, if not NULL, is printed first. */
int text_render(const struct model *m, const char *title, FILE *out);

struct svg_options {
	const char *title;	/* NULL: "forkechod trace FILE" */
	double px_per_second;	/* extra space between rows, per second */
	double max_gap;		/* longer quiet stretches are cut, seconds */
};

/* The sequence diagram, an SVG document. */
int svg_render(const struct model *m, const struct svg_options *o,
    FILE *out);

/* The Trace Event Format JSON that ui.perfetto.dev and chrome://tracing
 * open: a track per process, an instant per event, a counter track per
 * socket's reference count.  title, if not NULL, names the trace. */
int perfetto_render(const struct model *m, const char *title, FILE *out);

/* A Mermaid sequenceDiagram, for Markdown.  title: as for the SVG. */
int mermaid_render(const struct model *m, const char *title, FILE *out);

#endif
