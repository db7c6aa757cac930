/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "outcome.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nls.h"
#include "traceevent.h"

/* The bytes sent that have not come back, where that counts as a wrong
 * echo: after a FIN the server has said it is done.  A reset or the
 * client's own close cuts the echo short by design, an early FIN is
 * reported as such, and the session ends with no FIN only once everything
 * came back (else it is no progress).  With --keep-sending the FIN before
 * the input ended was asked for: the server stopped echoing on purpose,
 * and what came back is judged as a beginning of what was sent. */
static int
is_short(const struct session_result *res)
{
	if (res->differs || res->received >= res->sent || res->fin_early)
		return 0;
	return res->end == SESSION_FIN;
}

int
outcome_status(const struct session_result *res)
{
	switch (res->end) {
	case SESSION_ERROR:
		return OUTCOME_LOCAL;
	case SESSION_RST:
		return OUTCOME_RESET;
	case SESSION_NO_FIN:
	case SESSION_NO_PROGRESS:
		return OUTCOME_NO_FIN;
	case SESSION_EARLY_FIN:
		/* Not all input was echoed. */
	case SESSION_STOPPED:
		/* The client stopped reading, so whether a FIN or an RST
		 * would have come is not known; what is known is that bytes
		 * came back that were never sent. */
		return OUTCOME_DIFFERS;
	case SESSION_FIN:
	case SESSION_CLIENT_CLOSED:
		break;
	}
	return res->differs || is_short(res) ? OUTCOME_DIFFERS : OUTCOME_OK;
}

void
outcome_line(const struct session_result *res, enum session_close mode,
    const char *wait, char *buf, size_t len)
{
	int n = 0;

	/* TRANSLATORS: the client's last line is this, then one of the
	 * endings that follow ("server sent FIN after %.3f s", ...), then
	 * any of the remarks that start with "; ".  FIN and RST are the
	 * TCP segments: keep them. */
	n = snprintf(buf, len, _("sent %" PRIu64 " bytes, received %" PRIu64
	    " bytes, "), res->sent, res->received);
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	switch (res->end) {
	case SESSION_FIN:
		if (res->fin_early)
			n = snprintf(buf, len, _("server sent FIN after %.3f "
			    "s before the input ended"), res->fin_elapsed);
		else
			n = snprintf(buf, len, _("server sent FIN after %.3f "
			    "s"), res->elapsed);
		break;
	case SESSION_EARLY_FIN:
		n = snprintf(buf, len, _("server sent FIN after %.3f s "
		    "before the input ended"), res->elapsed);
		break;
	case SESSION_RST:
		n = snprintf(buf, len, _("connection reset by server (RST) "
		    "after %.3f s"), res->elapsed);
		break;
	case SESSION_NO_FIN:
		/* TRANSLATORS: %s is the -w value as the user wrote it. */
		n = snprintf(buf, len, _("no FIN from server within %s s: "
		    "another process may still hold its socket"), wait);
		break;
	case SESSION_NO_PROGRESS:
		n = snprintf(buf, len, _("no progress from server within %s "
		    "s: it is not reading or not echoing"), wait);
		break;
	case SESSION_STOPPED:
		n = snprintf(buf, len, _("client stopped reading after %.3f "
		    "s"), res->elapsed);
		break;
	case SESSION_CLIENT_CLOSED:
		/* TRANSLATORS: %s is linger0 or close, the --close mode. */
		n = snprintf(buf, len, _("client closed (%s) after %.3f s "
		    "without waiting for the echo"),
		    mode == SESSION_CLOSE_LINGER0 ? "linger0" : "close",
		    res->elapsed);
		break;
	case SESSION_ERROR:
		break;	/* not called for it: see outcome.h */
	}
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	if (res->differs) {
		n = snprintf(buf, len, _("; echo differs from what was sent "
		    "at byte %" PRIu64), res->differs_at);
		if (n < 0 || (size_t)n >= len)
			return;
		buf += n;
		len -= (size_t)n;
	}
	if (res->unexpected > 0)
		n = snprintf(buf, len, _("; %" PRIu64 " unexpected bytes came "
		    "back, not written"), res->unexpected);
	else if (is_short(res))
		n = snprintf(buf, len, _("; only %" PRIu64 " of %" PRIu64
		    " bytes came back"), res->received, res->sent);
	else
		n = 0;
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	if (res->fin_early)
		(void)snprintf(buf, len, _("; %" PRIu64 " bytes sent after "
		    "the FIN"), res->after_fin);
}

/* The errno's name where the trace knows it ("EPIPE"), else its text. */
static const char *
err_name(int err)
{
	const char *name = traceevent_errno_name(err);

	return strcmp(name, "EOTHER") == 0 ? strerror(err) : name;
}

void
outcome_event_line(const struct session_event *ev, char *buf, size_t len)
{
	switch (ev->kind) {
	case SESSION_EV_FIN:
		(void)snprintf(buf, len, _("server sent FIN after %.3f s "
		    "before the input ended; sending on"), ev->elapsed);
		break;
	case SESSION_EV_WRITE:
		/* Whole sentences, not " after FIN" put in: a translation
		 * may order the words otherwise. */
		if (ev->err == 0)
			(void)snprintf(buf, len, _("write of %zu bytes after "
			    "FIN: accepted"), ev->bytes);
		else if (ev->after_fin)
			/* TRANSLATORS: %s is an errno name (EPIPE) or the
			 * system's text for it. */
			(void)snprintf(buf, len, _("write of %zu bytes after "
			    "FIN: failed with %s"), ev->bytes,
			    err_name(ev->err));
		else
			(void)snprintf(buf, len, _("write of %zu bytes: failed "
			    "with %s"), ev->bytes, err_name(ev->err));
		break;
	case SESSION_EV_RESET:
		if (ev->by_read)
			(void)snprintf(buf, len, _("RST from server after %.3f "
			    "s: read failed with %s"), ev->elapsed,
			    err_name(ev->err));
		else
			(void)snprintf(buf, len, _("RST from server after %.3f "
			    "s: socket error %s"), ev->elapsed,
			    err_name(ev->err));
		break;
	}
}
