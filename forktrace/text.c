/*
 * text: the lane view of forkechod --trace, drawn from the model.  The
 * columns follow write_human() in server/trace.c to the character: the
 * time, the parent's lane, one lane for every child and worker, the wire
 * and the TCP state with the reason.
 */
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "textrow.h"

/* Column widths of the lane view (display columns), as the server's. */
#define LANE_WIDTH 30
#define WIRE_WIDTH 7


static void
write_row(const struct model_event *e, FILE *out)
{
	struct textrow r = { .len = 0 };
	char why[256];
	size_t lane_start;
	const char *state = e->state[0] != '\0' ? e->state : NULL;

	textrow_add(&r, "%8.3f  ", e->t);
	if (e->role == ROLE_CHILD) {
		textrow_add(&r, "%*s ", LANE_WIDTH, "");
		lane_start = r.len;
		textrow_add(&r, "[%lu] ", e->number);
	} else if (e->role == ROLE_WORKER) {
		textrow_add(&r, "%*s ", LANE_WIDTH, "");
		lane_start = r.len;
		textrow_add(&r, "w%lu ", e->number);
		if (e->conn != 0)
			textrow_add(&r, "#%lu ", e->conn);
	} else {
		lane_start = r.len;
		if (e->conn != 0)
			textrow_add(&r, "#%lu ", e->conn);
	}
	textrow_add(&r, "%s", model_kind_name(e->kind));
	if (e->how[0] != '\0')
		textrow_add(&r, " %s", strncmp(e->how, "SHUT_", 5) == 0 ?
		    e->how + 5 : e->how);
	if (e->fd >= 0)
		textrow_add(&r, " fd %d", e->fd);
	if (e->measured) {
		if (e->refs_before >= 0 && e->refs >= 0)
			textrow_add(&r, " refs %d\xe2\x86\x92%d", e->refs_before,
			    e->refs);
		else
			textrow_add(&r, " refs ?");
	}
	if (e->call[0] != '\0')
		textrow_add(&r, " %s %s", e->call, e->err);
	if (e->addr[0] != '\0')
		textrow_add(&r, " %s", e->addr);
	textrow_pad(&r, lane_start, e->role != ROLE_PARENT ? LANE_WIDTH :
	    2 * LANE_WIDTH + 1);
	lane_start = r.len;
	if (e->measured)
		textrow_add(&r, "%s", e->wire == WIRE_UNKNOWN ? "?" :
		    e->wire == WIRE_NONE ? "-" :
		    e->wire == WIRE_FIN ? "FIN" : "RST");
	textrow_pad(&r, lane_start, WIRE_WIDTH - 1);
	if (state != NULL)
		textrow_add(&r, "%s", state);
	model_explain(e, why, sizeof why);
	if (why[0] != '\0')
		textrow_add(&r, "%s%s", state != NULL ? "; " : "", why);
	while (r.len > 0 && r.buf[r.len - 1] == ' ')
		r.len--;
	textrow_add(&r, "\n");
	(void)fwrite(r.buf, 1, r.len, out);
}

int
text_render(const struct model *m, const char *title, FILE *out)
{
	size_t i;

	if (title != NULL)
		fprintf(out, "%s\n", title);
	fprintf(out, "forkechod trace: one row per event; refs = descriptors "
	    "open on the socket, in all processes\n");
	/* "child" names the lane of a forked child and of a prefork worker
	 * (w1, w2, ...) alike, as in the server's view. */
	fprintf(out, "%8s  %-*s %-*s %-*s %s\n", "time", LANE_WIDTH, "parent",
	    LANE_WIDTH, "child", WIRE_WIDTH, "wire", "state, and why");
	for (i = 0; i < m->nev; i++)
		write_row(&m->ev[i], out);
	return ferror(out) ? -1 : 0;
}
