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
	return role == TRACEEVENT_PARENT ? "parent" :
	    role == TRACEEVENT_CHILD ? "child" : "worker";
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

/* ,"key":"text" with text escaped as JSON wants: the reasons are the
 * server's own words, but a note may quote what it was given. */
static void
add_string(struct textrow *r, const char *key, const char *text)
{
	const char *p;

	textrow_add(r, ",\"%s\":\"", key);
	for (p = text; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\')
			textrow_add(r, "\\%c", ch);
		else if (ch < 0x20)
			textrow_add(r, "\\u%04x", ch);
		else
			textrow_add(r, "%c", ch);
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
	if (ev->why != NULL)
		add_string(r, "why", ev->why);
	textrow_add(r, "}\n");
}
