/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "traceevent.h"

#include <errno.h>
#include <string.h>

void
traceevent_init(struct traceevent *ev, const char *name)
{
	memset(ev, 0, sizeof *ev);
	ev->name = name;
	ev->fd = -1;
	ev->refs_before = ev->refs = -1;
	ev->port = -1;
}

const char *
traceevent_role_name(enum traceevent_role role)
{
	switch (role) {
	case TRACEEVENT_PARENT: return "parent";
	case TRACEEVENT_CHILD: return "child";
	case TRACEEVENT_WORKER: return "worker";
	case TRACEEVENT_HELPER: return "helper";
	case TRACEEVENT_THREAD: return "thread";
	}
	return "parent";
}

const char *
traceevent_errno_name(int err)
{
	switch (err) {
	case EPIPE: return "EPIPE";
	case ECONNRESET: return "ECONNRESET";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOTCONN: return "ENOTCONN";
	case EAGAIN: return "EAGAIN";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case ENOBUFS: return "ENOBUFS";
	case ENOMEM: return "ENOMEM";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return "EOTHER";
	}
}

/* Room kept at the end of the row for what follows a string: an escape,
 * the "..." that says it was cut, its closing quote and the line's "}\n". */
#define STRING_TAIL 8

/* Bytes in the UTF-8 sequence that lead byte ch starts (1 for a byte
 * that starts none: it is passed on alone). */
static size_t
utf8_length(unsigned char ch)
{
	return ch >= 0xF8 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 :
	    ch >= 0xC0 ? 2 : 1;
}

/*
 * ,"key":"text", text as a reader of the trace takes it (forktrace's
 * rules): at most TRACEEVENT_WHY_MAX bytes, no control character (each
 * becomes '?': the reasons are the server's own words, but a note may
 * quote what it was given), '"' and '\\' escaped.  A text too long, for
 * that bound or for the row, is cut between characters, never inside a
 * UTF-8 sequence, and ends in "...", so that the line stays one whole
 * JSON object with its newline.
 */
static void
add_string(struct textrow *r, const char *key, const char *text)
{
	size_t out = 0, max = TRACEEVENT_WHY_MAX;
	int cutting = strlen(text) > max;
	const char *p;

	textrow_add(r, ",\"%s\":\"", key);
	for (p = text; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		size_t i, n = utf8_length(ch);

		if ((cutting && out + n + 3 > max) ||
		    r->len + n + STRING_TAIL > sizeof r->buf - 1) {
			if (out + 3 <= max)
				textrow_add(r, "...");
			break;
		}
		if (ch == '"' || ch == '\\')
			textrow_add(r, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			textrow_add(r, "?");
		else {
			/* The whole sequence or nothing: a cut one would
			 * not be UTF-8.  One that ends early is passed on
			 * as far as it goes. */
			for (i = 1; i < n && p[i] != '\0'; i++)
				;
			textrow_add(r, "%.*s", (int)i, p);
			n = i;
		}
		out += n;
		p += n - 1;
	}
	textrow_add(r, "\"");
}

/* The four fields of a measured event; null where the server could not
 * tell. */
static void
add_measured(struct textrow *r, const struct traceevent *ev)
{
	if (ev->refs_before >= 0)
		textrow_add(r, ",\"refs_before\":%d", ev->refs_before);
	else
		textrow_add(r, ",\"refs_before\":null");
	if (ev->refs >= 0)
		textrow_add(r, ",\"refs\":%d", ev->refs);
	else
		textrow_add(r, ",\"refs\":null");
	if (ev->state != NULL)
		textrow_add(r, ",\"state\":\"%s\"", ev->state);
	else
		textrow_add(r, ",\"state\":null");
	if (ev->wire != NULL)
		textrow_add(r, ",\"wire\":\"%s\"", ev->wire);
	else
		textrow_add(r, ",\"wire\":null");
}

void
traceevent_json(const struct traceevent *ev, struct textrow *r)
{
	textrow_add(r, "{\"t\":%.6f,\"pid\":%ld,\"role\":\"%s\","
	    "\"event\":\"%s\"", ev->t, ev->pid,
	    traceevent_role_name(ev->role), ev->name);
	if (ev->conn != 0)
		textrow_add(r, ",\"conn\":%lu", ev->conn);
	if (ev->role != TRACEEVENT_PARENT)
		textrow_add(r, ",\"%s\":%lu", traceevent_role_name(ev->role),
		    ev->number);
	if (ev->tid > 0)
		textrow_add(r, ",\"tid\":%ld", ev->tid);
	if (ev->fd >= 0)
		textrow_add(r, ",\"fd\":%d", ev->fd);
	if (ev->how != NULL)
		textrow_add(r, ",\"how\":\"%s\"", ev->how);
	if (ev->measured)
		add_measured(r, ev);
	else if (ev->state != NULL)
		textrow_add(r, ",\"state\":\"%s\"", ev->state);
	if (ev->call != NULL)
		textrow_add(r, ",\"call\":\"%s\",\"errno\":\"%s\"", ev->call,
		    ev->err);
	if (ev->worker != 0)
		textrow_add(r, ",\"worker\":%lu", ev->worker);
	if (ev->other_pid > 0)
		textrow_add(r, ",\"%s_pid\":%ld", ev->worker != 0 ? "worker" :
		    "child", ev->other_pid);
	if (ev->has_status)
		textrow_add(r, ",\"status\":%d", ev->status);
	if (ev->addr != NULL)
		textrow_add(r, ",\"addr\":\"%s\"", ev->addr);
	if (ev->port >= 0)
		textrow_add(r, ",\"port\":%d", ev->port);
	if (ev->wall > 0)
		textrow_add(r, ",\"wall\":%.6f", ev->wall);
	if (ev->peer != NULL)
		textrow_add(r, ",\"peer\":\"%s\"", ev->peer);
	if (ev->why != NULL)
		add_string(r, "why", ev->why);
	textrow_add(r, "}\n");
}
