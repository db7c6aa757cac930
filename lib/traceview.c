/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "traceview.h"

#include <stdio.h>
#include <string.h>

#include "nls.h"

#define LANE_WIDTH TRACEVIEW_LANE_WIDTH
#define WIRE_WIDTH TRACEVIEW_WIRE_WIDTH

void
traceview_head(struct textrow *r)
{
	/* TRANSLATORS: the column heads of the trace's lane view: the
	 * time, the parent's lane, the children's, what went on the wire,
	 * and the TCP state with the reason.  At most 8 columns for the
	 * time, 30 for a lane, 7 for the wire; a Chinese character takes
	 * two. */
	const char *when = _("time");
	size_t start, w;

	/* TRANSLATORS: the first line of the trace's lane view; refs is the
	 * column's word for the count of descriptors ("refs 2→1"). */
	textrow_add(r, "%s\n", _("forkechod trace: one row per event; refs = "
	    "descriptors open on the socket, in all processes"));
	/* The column heads, padded to display columns (a Chinese character
	 * takes two): "%-*s" would count bytes.  "child" names the lane of a
	 * forked child, of a prefork worker (w1, w2, ...) and of a helper
	 * (h1: the helper of child [1]) alike. */
	for (w = textrow_columns(when, strlen(when)); w < 8; w++)
		textrow_add(r, " ");
	textrow_add(r, "%s  ", when);
	start = r->len;
	textrow_add(r, "%s", _("parent"));
	textrow_pad(r, start, LANE_WIDTH);
	start = r->len;
	textrow_add(r, "%s", _("child"));
	textrow_pad(r, start, LANE_WIDTH);
	start = r->len;
	textrow_add(r, "%s", _("wire"));
	textrow_pad(r, start, WIRE_WIDTH);
	textrow_add(r, "%s\n", _("state, and why"));
}

const char *
traceview_why(const char *why, const char *err, char *buf, size_t len)
{
	const char *shown = nls_why(why, buf, len);
#if FE_NLS
	int e;

	/* An error without a note: the server's why is strerror()'s
	 * English for the errno the event names.  The C library has the
	 * words in the user's language. */
	if (shown != why || err == NULL || why == NULL ||
	    strcmp(err, "EOTHER") == 0)
		return shown;
	for (e = 1; e < 256 && strcmp(traceevent_errno_name(e), err) != 0;
	    e++)
		continue;
	if (e < 256 && strcmp(nls_strerror_en(e), why) == 0) {
		snprintf(buf, len, "%s", strerror(e));
		shown = buf;
	}
#else
	(void)err;
#endif
	return shown;
}

/* The call and its refs, in the writer's lane: "#1 close fd 5 refs 2→1". */
static void
add_call(struct textrow *r, const struct traceevent *ev)
{
	textrow_add(r, "%s", ev->name);
	if (ev->how != NULL)
		textrow_add(r, " %s", strncmp(ev->how, "SHUT_", 5) == 0 ?
		    ev->how + 5 : ev->how);	/* "SHUT_RD" -> "RD" */
	if (ev->fd >= 0)
		textrow_add(r, " fd %d", ev->fd);
	if (ev->measured) {
		if (ev->refs_before >= 0 && ev->refs >= 0)
			textrow_add(r, " refs %d\xe2\x86\x92%d",
			    ev->refs_before, ev->refs);
		else
			textrow_add(r, " refs ?");
	}
	if (ev->call != NULL)
		textrow_add(r, " %s %s", ev->call, ev->err);
	if (ev->addr != NULL)
		textrow_add(r, " %s", ev->addr);
}

void
traceview_row(const struct traceevent *ev, struct textrow *r)
{
	char why[TRACEVIEW_WHY_MAX];
	size_t lane_start;

	textrow_add(r, "%8.3f  ", ev->t);
	if (ev->role == TRACEEVENT_PARENT) {
		lane_start = r->len;
		if (ev->conn != 0)
			textrow_add(r, "#%lu ", ev->conn);
	} else {
		textrow_add(r, "%*s ", LANE_WIDTH, "");
		lane_start = r->len;
		if (ev->role == TRACEEVENT_CHILD)
			textrow_add(r, "[%lu] ", ev->number);
		else if (ev->role == TRACEEVENT_THREAD)
			textrow_add(r, "[t%lu] ", ev->number);
		else if (ev->role == TRACEEVENT_HELPER)
			/* h1: the helper of child [1], in the children's lane. */
			textrow_add(r, "h%lu ", ev->number);
		else {
			textrow_add(r, "w%lu ", ev->number);
			if (ev->conn != 0)
				textrow_add(r, "#%lu ", ev->conn);
		}
	}
	add_call(r, ev);
	textrow_pad(r, lane_start, ev->role != TRACEEVENT_PARENT ? LANE_WIDTH :
	    2 * LANE_WIDTH + 1);
	lane_start = r->len;
	if (ev->measured)
		textrow_add(r, "%s", ev->wire == NULL ? "?" :
		    strcmp(ev->wire, "none") == 0 ? "-" : ev->wire);
	textrow_pad(r, lane_start, WIRE_WIDTH - 1);
	if (ev->state != NULL)
		textrow_add(r, "%s", ev->state);
	if (ev->why != NULL)
		textrow_add(r, "%s%s", ev->state != NULL ? "; " : "",
		    traceview_why(ev->why, ev->call != NULL ? ev->err : NULL,
		    why, sizeof why));
	while (r->len > 0 && r->buf[r->len - 1] == ' ')
		r->len--;
	textrow_add(r, "\n");
}
