/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * perfetto: the trace in the Trace Event Format, the JSON that
 * ui.perfetto.dev and chrome://tracing open, so that a long trace gets
 * their zoom, search and track view.
 *
 * One object: "traceEvents" holds, for every lane, its process_name,
 * thread_name and process_sort_index metadata ("ph":"M"); for every event
 * an instant ("ph":"i", "s":"t") on its lane's track, with the trace's
 * fields in "args"; and for every measured reference count a counter
 * sample ("ph":"C", "conn N refs" or "listen fd N refs"), in the parent's
 * process, so that the counts of one connection form one track however
 * many processes changed them.  Times are microseconds since the server
 * started, as the format wants; pid and tid are the lane's process ID.
 */
#include "render.h"

#include <stdio.h>

/* s as the body of a JSON string.  The model holds valid UTF-8 without
 * control characters; '"' and '\\' are all that need escaping, but a
 * control character is escaped too rather than trusted to be absent. */
static void
put_str(FILE *out, const char *s)
{
	const unsigned char *p;

	(void)fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			(void)fputc(*p, out);
	}
	(void)fputc('"', out);
}

/* Microseconds, whole: the trace keeps six decimals of a second. */
static void
put_ts(FILE *out, double t)
{
	fprintf(out, "\"ts\":%.0f", t * 1e6);
}

static void
put_lane_meta(FILE *out, const struct model_lane *l, size_t index)
{
	char name[64];

	model_lane_name(l, name, sizeof name);
	fprintf(out, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%ld,"
	    "\"tid\":%ld,\"args\":{\"name\":", index == 0 ? "" : ",\n",
	    l->pid, l->pid);
	put_str(out, name);
	fprintf(out, "}},\n{\"name\":\"thread_name\",\"ph\":\"M\","
	    "\"pid\":%ld,\"tid\":%ld,\"args\":{\"name\":", l->pid, l->pid);
	put_str(out, name);
	/* The parent first, then the others as the trace met them. */
	fprintf(out, "}},\n{\"name\":\"process_sort_index\",\"ph\":\"M\","
	    "\"pid\":%ld,\"tid\":%ld,\"args\":{\"sort_index\":%zu}}",
	    l->pid, l->pid, index);
}

/* ,"key":N, or null for a count the server could not measure. */
static void
put_count(FILE *out, const char *key, int n)
{
	if (n < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%d", key, n);
}

static void
put_args(FILE *out, const struct model *m, const struct model_event *e)
{
	static const char *const wires[] = { NULL, NULL, "none", "FIN",
	    "RST" };

	fprintf(out, "\"args\":{\"line\":%lu", e->line);
	if (e->conn != 0)
		fprintf(out, ",\"conn\":%lu", e->conn);
	if (e->fd >= 0)
		fprintf(out, ",\"fd\":%d", e->fd);
	if (e->measured) {
		put_count(out, "refs_before", e->refs_before);
		put_count(out, "refs", e->refs);
		if (e->wire == WIRE_UNKNOWN)
			(void)fputs(",\"wire\":null", out);
		else if (wires[e->wire] != NULL)
			fprintf(out, ",\"wire\":\"%s\"", wires[e->wire]);
	}
	if (e->state[0] != '\0')
		fprintf(out, ",\"state\":\"%s\"", e->state);
	if (e->how[0] != '\0')
		fprintf(out, ",\"how\":\"%s\"", e->how);
	if (e->kind == EV_ERROR) {
		(void)fputs(",\"call\":", out);
		put_str(out, e->call);
		fprintf(out, ",\"errno\":\"%s\"", e->err);
	}
	if (e->addr[0] != '\0') {
		(void)fputs(",\"addr\":", out);
		put_str(out, e->addr);
	}
	if (e->has_status)
		fprintf(out, ",\"status\":%d", e->status);
	if (e->other_lane != MODEL_NONE) {
		char name[64];

		model_lane_name(&m->lane[e->other_lane], name, sizeof name);
		fprintf(out, ",\"other\":\"%s\",\"other_pid\":%ld", name,
		    e->other_pid);
	}
	if (e->why[0] != '\0') {
		(void)fputs(",\"why\":", out);
		put_str(out, e->why);
	}
	(void)fputc('}', out);
}

static void
put_instant(FILE *out, const struct model *m, const struct model_event *e)
{
	const char *name = model_kind_name(e->kind);

	/* What went on the wire is in the name, so that a search for FIN
	 * or RST finds the event that sent it. */
	fprintf(out, ",\n{\"name\":\"%s%s\",\"cat\":\"forkechod\",\"ph\":\"i\","
	    "\"s\":\"t\",", name, e->wire == WIRE_FIN ? " FIN" :
	    e->wire == WIRE_RST ? " RST" : "");
	put_ts(out, e->t);
	fprintf(out, ",\"pid\":%ld,\"tid\":%ld,", e->pid, e->pid);
	put_args(out, m, e);
	(void)fputc('}', out);
}

/* The count after the event, on its socket's counter track. */
static void
put_counter(FILE *out, const struct model *m, const struct model_event *e)
{
	char name[48];

	if (!e->measured || e->refs < 0)
		return;
	if (e->conn != 0)
		snprintf(name, sizeof name, "conn %lu refs", e->conn);
	else if (e->fd >= 0)
		snprintf(name, sizeof name, "listen fd %d refs", e->fd);
	else
		snprintf(name, sizeof name, "listen refs");
	fprintf(out, ",\n{\"name\":\"%s\",\"ph\":\"C\",", name);
	put_ts(out, e->t);
	fprintf(out, ",\"pid\":%ld,\"tid\":%ld,\"args\":{\"refs\":%d}}",
	    m->lane[0].pid, m->lane[0].pid, e->refs);
}

int
perfetto_render(const struct model *m, const char *title, FILE *out)
{
	size_t i;

	(void)fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"title\":",
	    out);
	put_str(out, title != NULL ? title : m->path);
	(void)fputs("},\"traceEvents\":[\n", out);
	for (i = 0; i < m->nlane; i++)
		put_lane_meta(out, &m->lane[i], i);
	for (i = 0; i < m->nev; i++) {
		put_instant(out, m, &m->ev[i]);
		put_counter(out, m, &m->ev[i]);
	}
	(void)fputs("\n]}\n", out);
	return ferror(out) ? -1 : 0;
}
