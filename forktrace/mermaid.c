/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * mermaid: the trace as a Mermaid sequenceDiagram, text that renders
 * inside Markdown (GitLab, GitHub, most wikis).  A participant for each
 * lane, declared up front in lane order, and one for the client at the
 * far end of the wire; a fork, spawn or pass is a message from the parent
 * to the process it gives a descriptor to, a reap a dashed message from
 * the child or worker back to the parent, every other event a note over
 * its lane; a FIN or RST is a message from the event's lane to the
 * client.
 *
 * Mermaid has no quoting for a message or a note: its text runs to the
 * end of the line, and ';' and '#' end it early ('#' starts an entity
 * code, ";" a new statement), and the word "end" closes a block even
 * inside a label.  So every character that is not plainly text is
 * written as Mermaid's entity code "#NNN;" (its Unicode value, decimal),
 * and so is the first letter of the word "end", which Mermaid then shows
 * as written but never reads as the keyword.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "nls.h"
#include "textrow.h"
#include "traceview.h"

/* Characters written as themselves; UTF-8 beyond ASCII ("→") is too. */
static int
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    strchr(" ,.()'/_-=+*!?@$~^", c) != NULL;
}

static int
word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* s, escaped as the header says. */
static void
put_text(FILE *out, const char *s)
{
	const unsigned char *p, *b = (const unsigned char *)s;

	for (p = b; *p != '\0'; p++) {
		int is_end = (p == b || !word_char(p[-1])) &&
		    (p[0] == 'e' || p[0] == 'E') &&
		    (p[1] == 'n' || p[1] == 'N') &&
		    (p[2] == 'd' || p[2] == 'D') && !word_char(p[3]);

		if (plain(*p) && !is_end)
			(void)fputc(*p, out);
		else
			fprintf(out, "#%u;", (unsigned)*p);
	}
}

/* The event, as a row of the lane view says it, without the lanes:
 * "0.301 #1 close fd 5 refs 2→1 FIN, CLOSED: done ...". */
static void
label(const struct model *m, const struct model_event *e,
    struct textrow *r)
{
	char other[64], why[TRACEVIEW_WHY_MAX];

	r->len = 0;
	textrow_add(r, "%.3f ", e->t);
	if (e->conn != 0)
		textrow_add(r, "#%lu ", e->conn);
	textrow_add(r, "%s", model_kind_name(e->kind));
	if (e->how[0] != '\0')
		textrow_add(r, " %s", e->how);
	if (e->kind == EV_ERROR)
		textrow_add(r, " %s %s", e->call, e->err);
	if (e->fd >= 0)
		textrow_add(r, " fd %d", e->fd);
	if (e->addr[0] != '\0')
		textrow_add(r, " %s", e->addr);
	if (e->measured) {
		textrow_add(r, " refs ");
		if (e->refs_before < 0)
			textrow_add(r, "?");
		else
			textrow_add(r, "%d", e->refs_before);
		if (e->refs < 0)
			textrow_add(r, "→?");
		else
			textrow_add(r, "→%d", e->refs);
		if (e->wire == WIRE_UNKNOWN)
			/* TRANSLATORS: the server could not tell what a
			 * close or shutdown put on the wire. */
			textrow_add(r, " %s", _("wire unknown"));
		else if (e->wire == WIRE_FIN || e->wire == WIRE_RST)
			textrow_add(r, " %s", e->wire == WIRE_FIN ? "FIN" :
			    "RST");
	}
	if (e->other_lane != MODEL_NONE && e->kind != EV_REAP) {
		model_lane_label(&m->lane[e->other_lane], other,
		    sizeof other);
		/* TRANSLATORS: a fork, spawn or pass "to child 2". */
		textrow_add(r, _(" to %s"), other);
	}
	if (e->has_status)
		/* TRANSLATORS: an exit's or a reap's status. */
		textrow_add(r, _(" status %d"), e->status);
	if (e->state[0] != '\0')
		textrow_add(r, ", %s", e->state);
	if (e->why[0] != '\0')
		textrow_add(r, ": %s", traceview_why(e->why,
		    e->kind == EV_ERROR ? e->err : NULL, why, sizeof why));
}

int
mermaid_render(const struct model *m, const char *title, FILE *out)
{
	struct textrow text = { .len = 0 };
	char name[64], head[4400];
	size_t i;

	(void)fputs("sequenceDiagram\n", out);
	(void)fputs("    title ", out);
	if (title != NULL)
		put_text(out, title);
	else {
		/* The SVG's title (svg.c). */
		snprintf(head, sizeof head, _("forkechod trace %s"), m->path);
		put_text(out, head);
	}
	(void)fputc('\n', out);
	/* Every participant before its first use, in the SVG's order. */
	for (i = 0; i < m->nlane; i++) {
		model_lane_label(&m->lane[i], name, sizeof name);
		fprintf(out, "    participant L%zu as ", i);
		put_text(out, name);
		fprintf(out, " (pid %ld)\n", m->lane[i].pid);
	}
	(void)fputs("    participant client as ", out);
	/* TRANSLATORS: the Mermaid diagram's participant for the
	 * client. */
	put_text(out, _("client, across the wire"));
	(void)fputc('\n', out);
	for (i = 0; i < m->nev; i++) {
		const struct model_event *e = &m->ev[i];

		label(m, e, &text);
		if (e->other_lane != MODEL_NONE && e->kind == EV_REAP)
			fprintf(out, "    L%zu-->>L%zu: ", e->other_lane,
			    e->lane);
		else if (e->other_lane != MODEL_NONE)
			fprintf(out, "    L%zu->>L%zu: ", e->lane,
			    e->other_lane);
		else
			fprintf(out, "    Note over L%zu: ", e->lane);
		put_text(out, text.buf);
		(void)fputc('\n', out);
		/* Solid for FIN, a cross for RST: they differ without
		 * colour. */
		if (e->wire == WIRE_FIN)
			fprintf(out, "    L%zu->>client: FIN\n", e->lane);
		else if (e->wire == WIRE_RST)
			fprintf(out, "    L%zu-xclient: RST\n", e->lane);
	}
	return ferror(out) ? -1 : 0;
}
