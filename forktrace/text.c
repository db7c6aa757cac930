/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * text: the lane view of forkechod --trace, drawn from the model by the
 * same formatter the server uses (lib/traceview.c), so that the rows are
 * the server's to the byte, "why" included: it is the server's own word,
 * carried in the JSON.
 */
#include "render.h"

#include <stdio.h>

#include "traceevent.h"
#include "traceview.h"

/* The model's event as the record the formatter takes; the strings stay
 * e's. */
static void
to_record(const struct model_event *e, struct traceevent *ev)
{
	static const char *const wires[] = { NULL, NULL, "none", "FIN",
	    "RST" };

	traceevent_init(ev, model_kind_name(e->kind));
	ev->t = e->t;
	ev->pid = e->pid;
	ev->role = e->role == ROLE_PARENT ? TRACEEVENT_PARENT :
	    e->role == ROLE_CHILD ? TRACEEVENT_CHILD :
	    e->role == ROLE_HELPER ? TRACEEVENT_HELPER :
	    e->role == ROLE_THREAD ? TRACEEVENT_THREAD : TRACEEVENT_WORKER;
	ev->number = e->number;
	ev->conn = e->conn;
	ev->fd = e->fd;
	ev->how = e->how[0] != '\0' ? e->how : NULL;
	ev->measured = e->measured;
	ev->refs_before = e->refs_before;
	ev->refs = e->refs;
	ev->state = e->state[0] != '\0' ? e->state : NULL;
	ev->wire = wires[e->wire];
	ev->call = e->call[0] != '\0' ? e->call : NULL;
	ev->err = e->err;
	ev->addr = e->addr[0] != '\0' ? e->addr : NULL;
	ev->why = e->why[0] != '\0' ? e->why : NULL;
}

int
text_render(const struct model *m, const char *title, FILE *out)
{
	struct textrow r = { .len = 0 };
	struct traceevent ev;
	size_t i;

	if (title != NULL)
		fprintf(out, "%s\n", title);
	traceview_head(&r);
	(void)fwrite(r.buf, 1, r.len, out);
	for (i = 0; i < m->nev; i++) {
		to_record(&m->ev[i], &ev);
		r.len = 0;
		traceview_row(&ev, &r);
		(void)fwrite(r.buf, 1, r.len, out);
	}
	return ferror(out) ? -1 : 0;
}
